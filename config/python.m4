# Python binding: not built yet.
probe_python_summary=no
AM_CONDITIONAL([WITH_PYTHON], [false])
