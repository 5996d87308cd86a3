# The Lua binding (bindings/lua): a SWIG module for one Lua version.
#
#   --with-lua          build for the first of 5.4, 5.3, 5.1, jit found
#   --with-lua=VERSION  build for 5.4, 5.3, 5.1 or jit; fail when missing
#   --without-lua       skip the binding
#
# The default (no option) builds when Lua 5.4, 5.3, 5.1 or LuaJIT
# development files are found and skips the binding otherwise.
# Sets LUA (the interpreter that runs the tests), LUA_CFLAGS, luacmoddir
# and lualmoddir, probe_lua_summary, and the WITH_LUA conditional.

AC_ARG_WITH([lua],
  [AS_HELP_STRING([--with-lua@<:@=VERSION@:>@],
    [build the Lua binding for Lua VERSION: 5.4, 5.3, 5.1 or jit
     (default: the first one found, in that order)])],
  [], [with_lua=check])
AC_ARG_WITH([lua-cmoddir],
  [AS_HELP_STRING([--with-lua-cmoddir=DIR],
    [install the Lua C module in DIR (default: PREFIX/lib/lua/VERSION,
     or pkg-config's INSTALL_CMOD when PREFIX is /usr)])],
  [luacmoddir=$withval], [luacmoddir=])
AC_ARG_WITH([lua-lmoddir],
  [AS_HELP_STRING([--with-lua-lmoddir=DIR],
    [install probe.lua in DIR (default: PREFIX/share/lua/VERSION,
     or pkg-config's INSTALL_LMOD when PREFIX is /usr)])],
  [lualmoddir=$withval], [lualmoddir=])

probe_lua_summary=no
probe_lua_ok=no
AS_CASE([$with_lua],
  [no], [probe_lua_summary="no (--without-lua)"],
  [yes|check], [probe_lua_try="5.4 5.3 5.1 jit"],
  [5.4|5.3|5.1|jit], [probe_lua_try=$with_lua],
  [luajit], [probe_lua_try=jit; with_lua=jit],
  [AC_MSG_ERROR([--with-lua takes 5.4, 5.3, 5.1 or jit, not '$with_lua'])])

# Debian names the pkg-config module and the interpreter after the
# version: lua5.4 and lua5.4, or luajit and luajit for LuaJIT.
probe_lua_user_prog=$LUA
AS_IF([test "$with_lua" != no], [
  for probe_lua_version in $probe_lua_try; do
    LUA=$probe_lua_user_prog
    AS_UNSET([ac_cv_path_LUA])
    AS_CASE([$probe_lua_version],
      [jit], [probe_lua_pc=luajit; probe_lua_prog=luajit; probe_lua_abi=5.1],
      [probe_lua_pc=lua$probe_lua_version
       probe_lua_prog=lua$probe_lua_version
       probe_lua_abi=$probe_lua_version])
    PKG_CHECK_EXISTS([$probe_lua_pc], [], [continue])
    AC_PATH_PROG([LUA], [$probe_lua_prog])
    AS_IF([test -z "$LUA"], [
      AC_MSG_NOTICE([pkg-config finds $probe_lua_pc but no $probe_lua_prog interpreter is on PATH])
      continue])
    probe_lua_ok=yes
    break
  done
  AS_IF([test "$probe_lua_ok" = yes], [
    LUA_CFLAGS=`$PKG_CONFIG --cflags $probe_lua_pc`
    AC_MSG_CHECKING([for the Lua binding's Lua])
    AC_MSG_RESULT([$probe_lua_pc, interpreter $LUA])
  ], [
    probe_lua_summary="no (no Lua development files found for: $probe_lua_try)"
    AS_IF([test "$with_lua" != check],
      [AC_MSG_ERROR([--with-lua=$with_lua: pkg-config module or interpreter not found for Lua $probe_lua_try; install liblua5.4-dev and lua5.4 (or the version you chose), or configure --without-lua])])
    AC_MSG_NOTICE([Lua binding skipped: no Lua development files found (install liblua5.4-dev and lua5.4 to build it)])
  ])
])

# SWIG generates the wrapper; a tarball ships it, so SWIG is needed only
# when the wrapper is missing or the interface changed.
AS_IF([test "$probe_lua_ok" = yes], [
  AC_PATH_PROGS([SWIG], [swig4.0 swig])
  AS_IF([test -z "$SWIG" && test ! -f "$srcdir/bindings/lua/probe_core_wrap.c"], [
    probe_lua_ok=no
    probe_lua_summary="no (swig not found and no generated wrapper)"
    AS_IF([test "$with_lua" != check],
      [AC_MSG_ERROR([--with-lua: swig is needed to generate the Lua wrapper; install swig])])
    AC_MSG_NOTICE([Lua binding skipped: swig not found (install swig to build it)])
  ])
])

AS_IF([test "$probe_lua_ok" = yes], [
  # Install where the interpreter looks: Debian's lua5.4 searches
  # /usr/local/lib/lua/5.4 and /usr/local/share/lua/5.4 for modules under
  # /usr/local, while its pkg-config INSTALL_CMOD names the /usr paths.
  AS_IF([test "x$prefix" = xNONE], [probe_lua_prefix=$ac_default_prefix],
    [probe_lua_prefix=$prefix])
  AS_IF([test -z "$luacmoddir"], [
    AS_IF([test "$probe_lua_prefix" = /usr],
      [luacmoddir=`$PKG_CONFIG --variable=INSTALL_CMOD $probe_lua_pc`])
    AS_IF([test -z "$luacmoddir"],
      [luacmoddir="\${prefix}/lib/lua/$probe_lua_abi"])
  ])
  AS_IF([test -z "$lualmoddir"], [
    AS_IF([test "$probe_lua_prefix" = /usr],
      [lualmoddir=`$PKG_CONFIG --variable=INSTALL_LMOD $probe_lua_pc`])
    AS_IF([test -z "$lualmoddir"],
      [lualmoddir="\${prefix}/share/lua/$probe_lua_abi"])
  ])
  probe_lua_summary="yes ($probe_lua_pc; C module in $luacmoddir)"
])

AC_SUBST([LUA])
AC_SUBST([LUA_CFLAGS])
AC_SUBST([SWIG])
AC_SUBST([luacmoddir])
AC_SUBST([lualmoddir])
AM_CONDITIONAL([WITH_LUA], [test "$probe_lua_ok" = yes])
