# Peers for the benchmark only; each is optional.
PKG_CHECK_MODULES([GLIB], [glib-2.0], [have_glib=yes], [have_glib=no])
PKG_CHECK_MODULES([LIBUV], [libuv], [have_libuv=yes], [have_libuv=no])
PKG_CHECK_MODULES([APR], [apr-1 apr-util-1], [have_apr=yes], [have_apr=no])
AS_IF([test "$have_glib" = yes], [AC_DEFINE([HAVE_GLIB], [1], [GLib found])])
AS_IF([test "$have_libuv" = yes], [AC_DEFINE([HAVE_LIBUV], [1], [libuv found])])
AS_IF([test "$have_apr" = yes], [AC_DEFINE([HAVE_APR], [1], [APR found])])
