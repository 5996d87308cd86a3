# Hardening flags for the library: stack protection, _FORTIFY_SOURCE=2,
# full RELRO with BIND_NOW, and a non-executable stack.  Each flag is kept
# only if the compiler or linker accepts it without a warning, so the same
# configure works with gcc and clang.  --disable-hardening leaves them out.
# The results go in HARDENING_CPPFLAGS, HARDENING_CFLAGS and
# HARDENING_LDFLAGS, which Makefile.am applies to lib/libprobe.la only, and
# PROBE_HARDENING and PROBE_HARDENING_FORTIFY in config.h, which
# tests/abi/hardening.sh reads.

AC_ARG_ENABLE([hardening],
  [AS_HELP_STRING([--disable-hardening],
    [build the library without stack protection, _FORTIFY_SOURCE,
     RELRO/BIND_NOW and the non-executable stack marking])],
  [], [enable_hardening=yes])
AS_CASE([$enable_hardening],
  [yes|no], [],
  [AC_MSG_ERROR([--enable-hardening takes no value, not '$enable_hardening'; use --disable-hardening to turn it off])])

# PROBE_HARDENING_FLAG(FLAG, VARIABLE, compile|link)
# Append FLAG to VARIABLE when a test program builds with it and -Werror.
AC_DEFUN([PROBE_HARDENING_FLAG], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  probe_save_CFLAGS=$CFLAGS
  probe_save_LDFLAGS=$LDFLAGS
  AS_IF([test "$3" = link],
    [LDFLAGS="$LDFLAGS $1"; CFLAGS="$CFLAGS -Werror"],
    [CFLAGS="$CFLAGS $1 -Werror"])
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <string.h>]],
      [[char b[16]; strcpy(b, "probe"); return (int)strlen(b);]])],
    [AC_MSG_RESULT([yes]); $2="$$2 $1"],
    [AC_MSG_RESULT([no])])
  CFLAGS=$probe_save_CFLAGS
  LDFLAGS=$probe_save_LDFLAGS
])

HARDENING_CPPFLAGS=
HARDENING_CFLAGS=
HARDENING_LDFLAGS=
AS_IF([test "$enable_hardening" = yes], [
  PROBE_HARDENING_FLAG([-fstack-protector-strong], [HARDENING_CFLAGS])
  PROBE_HARDENING_FLAG([-fstack-clash-protection], [HARDENING_CFLAGS])
  PROBE_HARDENING_FLAG([-Wl,-z,relro], [HARDENING_LDFLAGS], [link])
  PROBE_HARDENING_FLAG([-Wl,-z,now], [HARDENING_LDFLAGS], [link])
  PROBE_HARDENING_FLAG([-Wl,-z,noexecstack], [HARDENING_LDFLAGS], [link])

  # _FORTIFY_SOURCE takes effect only with optimisation: glibc (2.36)
  # then sets __USE_FORTIFY_LEVEL, and silently ignores it otherwise.  A
  # level the user chose in CPPFLAGS or CFLAGS is kept as it is.
  AS_CASE([" $CPPFLAGS $CFLAGS "],
    [*_FORTIFY_SOURCE*], [probe_fortify_flag=],
    [probe_fortify_flag=-D_FORTIFY_SOURCE=2])
  AC_MSG_CHECKING([whether _FORTIFY_SOURCE takes effect])
  probe_save_CPPFLAGS=$CPPFLAGS
  CPPFLAGS="$CPPFLAGS $probe_fortify_flag"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <string.h>
#if !defined __USE_FORTIFY_LEVEL || __USE_FORTIFY_LEVEL < 1
#error _FORTIFY_SOURCE has no effect
#endif]], [[]])],
    [AC_MSG_RESULT([yes])
     HARDENING_CPPFLAGS="$HARDENING_CPPFLAGS $probe_fortify_flag"
     AC_DEFINE([PROBE_HARDENING_FORTIFY], [1],
       [Define to 1 when _FORTIFY_SOURCE takes effect in the library.])],
    [AC_MSG_RESULT([no])
     AC_MSG_WARN([_FORTIFY_SOURCE has no effect: it needs optimisation, so add -O2 to CFLAGS])])
  CPPFLAGS=$probe_save_CPPFLAGS
  AC_DEFINE([PROBE_HARDENING], [1],
    [Define to 1 when the library is built with the hardening flags.])
])
AC_SUBST([HARDENING_CPPFLAGS])
AC_SUBST([HARDENING_CFLAGS])
AC_SUBST([HARDENING_LDFLAGS])
