/*
 * C glue between CPython and probe: the parts of the Python binding that
 * SWIG cannot generate, because they run Python code on worker threads or
 * wait with the GIL released.  probe.i wraps these next to the plain API.
 *
 * Functions returning PyObject * return NULL with a Python exception set
 * when a signal handler raised (KeyboardInterrupt) or an argument has the
 * wrong type.  Probe failures come back as negative PROBE_E* codes, and a
 * NULL (closed) handle as PROBE_ESTOPPED.
 */
#ifndef PROBE_PYGLUE_H
#define PROBE_PYGLUE_H

#include <Python.h>

#include "probe.h"

/* A probe or pool with the Python callables its C callbacks call. */
typedef struct pyprobe_handle pyprobe_handle;

pyprobe_handle *pyprobe_new(int is_probe, probe_config *config,
                            PyObject *log, int log_level, PyObject *discard,
                            PyObject *init, PyObject *fini,
                            PyObject *report);
void pyprobe_free(pyprobe_handle *h);
pool *pyprobe_pool(pyprobe_handle *h);
probe *pyprobe_probe(pyprobe_handle *h);

PyObject *pyprobe_run(pyprobe_handle *h, PyObject *fn, PyObject *args,
                      PyObject *kwargs, PyObject *report, long timeout_ms);
PyObject *pyprobe_stop(pyprobe_handle *h, int mode, long timeout_ms);
PyObject *pyprobe_start(pyprobe_handle *h);
PyObject *pyprobe_wait(pyprobe_handle *h, long timeout_ms);
PyObject *pyprobe_resize(pyprobe_handle *h, size_t size);
PyObject *pyprobe_metrics(pyprobe_handle *h);

PyObject *pyprobe_group_run(pyprobe_handle *h, probe_group *group,
                            PyObject *fn, PyObject *args, PyObject *kwargs,
                            PyObject *report);
PyObject *pyprobe_group_wait(probe_group *group, long timeout_ms);

probe_future *pyprobe_submit(pyprobe_handle *h, PyObject *fn,
                             PyObject *args, PyObject *kwargs,
                             PyObject *cell);
PyObject *pyprobe_future_wait(probe_future *future, long timeout_ms);

PyObject *pyprobe_ctx_wait(probe_ctx *ctx, long timeout_ms);

PyObject *pyprobe_atexit(long timeout_ms);
int pyprobe_exiting(void);

#endif /* PROBE_PYGLUE_H */
