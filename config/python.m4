# Python binding: a SWIG module built for one interpreter and installed
# into that interpreter's own site-packages, so `import probe` works with
# no PYTHONPATH.  Everything about the interpreter (headers, site dir,
# extension suffix) comes from its sysconfig, not from guesses.
AC_ARG_WITH([python],
  [AS_HELP_STRING([--with-python@<:@=PATH@:>@],
    [build the Python binding for the interpreter PATH (default: python3
     on PATH; needs SWIG 4 and the interpreter's headers)])],
  [], [with_python=check])
AC_ARG_WITH([python-sitedir],
  [AS_HELP_STRING([--with-python-sitedir=DIR],
    [install the Python package under DIR (default: the interpreter's
     sysconfig platlib)])],
  [], [with_python_sitedir=])

probe_python_why=
probe_python_ok=no
AS_CASE([$with_python],
  [no], [probe_python_why="--without-python"],
  [yes|check], [AC_PATH_PROG([PYTHON], [python3], [])],
  [PYTHON=$with_python])

AS_IF([test "$with_python" != no], [
  AS_IF([test -z "$PYTHON" || ! "$PYTHON" -c 'import sysconfig' 2>/dev/null],
    [probe_python_why="no working Python interpreter '$PYTHON'"],
  [
    AC_PATH_PROGS([SWIG], [swig4.0 swig], [])
    AC_MSG_CHECKING([for SWIG 4 or later])
    probe_swig_major=`$SWIG -version 2>/dev/null | sed -n 's/^SWIG Version \([[0-9]]*\).*/\1/p'`
    AS_IF([test -n "$SWIG" && test "${probe_swig_major:-0}" -ge 4],
      [AC_MSG_RESULT([yes])], [AC_MSG_RESULT([no])
       probe_python_why="SWIG 4 not found; install swig"])
  ])
])

AS_IF([test "$with_python" != no && test -z "$probe_python_why"], [
  # A pyenv shim depends on the caller's environment: use the real file.
  PYTHON=`$PYTHON -c 'import sys; print(sys.executable)'`
  AC_MSG_CHECKING([for the headers of $PYTHON])
  PYTHON_VERSION=`$PYTHON -c 'import sys; print("%d.%d" % sys.version_info[[:2]])'`
  PYTHON_INCLUDE=`$PYTHON -c 'import sysconfig; print(sysconfig.get_paths()[["include"]])'`
  PYTHON_EXT_SUFFIX=`$PYTHON -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))'`
  PYTHON_CFLAGS="-I$PYTHON_INCLUDE"
  save_CPPFLAGS=$CPPFLAGS
  CPPFLAGS="$CPPFLAGS $PYTHON_CFLAGS"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <Python.h>]],
      [[return PY_VERSION_HEX < 0x03090000;]])],
    [AC_MSG_RESULT([$PYTHON_INCLUDE]); probe_python_ok=yes],
    [AC_MSG_RESULT([no])
     probe_python_why="Python.h not found in $PYTHON_INCLUDE; install python3-dev"])
  CPPFLAGS=$save_CPPFLAGS
])

AS_IF([test "$probe_python_ok" = yes], [
  AS_IF([test -n "$with_python_sitedir"],
    [PYTHON_SITEDIR=$with_python_sitedir],
    [PYTHON_SITEDIR=`$PYTHON -c 'import sysconfig; print(sysconfig.get_paths()[["platlib"]])'`])
  probe_python_summary="yes ($PYTHON, Python $PYTHON_VERSION, into $PYTHON_SITEDIR)"
], [
  probe_python_summary="no ($probe_python_why)"
  AS_IF([test "$with_python" != check && test "$with_python" != no],
    [AC_MSG_WARN([--with-python=$with_python was given, but the binding is skipped: $probe_python_why])],
    [AC_MSG_NOTICE([python binding skipped: $probe_python_why])])
])

AC_SUBST([PYTHON])
AC_SUBST([PYTHON_CFLAGS])
AC_SUBST([PYTHON_EXT_SUFFIX])
AC_SUBST([PYTHON_SITEDIR])
AC_SUBST([SWIG])
AM_CONDITIONAL([WITH_PYTHON], [test "$probe_python_ok" = yes])
