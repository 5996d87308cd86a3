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

/** A probe or pool with the Python callables its C callbacks call. */
typedef struct pyprobe_handle pyprobe_handle;

/**
 * Start a probe (@p is_probe 1) or a pool from @p config, which gains the
 * glue's callbacks.  @p log gets (level, message, attrs) for records of
 * @p log_level and above, @p discard gets (fn, args, kwargs) of tasks that
 * never run, @p init and @p fini run on each worker, and @p report gets
 * (exception, fn) for a task that raised.  Any of them may be None.
 * Returns NULL when the start failed (see probe_last_error()) or the
 * interpreter is exiting.
 */
pyprobe_handle *pyprobe_new(int is_probe, probe_config *config,
                            PyObject *log, int log_level, PyObject *discard,
                            PyObject *init, PyObject *fini,
                            PyObject *report);

/**
 * Stop, join and free the handle, dropping its Python references.  From
 * one of its own tasks a helper thread does the work once the task ends.
 */
void pyprobe_free(pyprobe_handle *h);

/** Return the handle's pool, or NULL for a probe. */
pool *pyprobe_pool(pyprobe_handle *h);

/** Return the handle's probe, or NULL for a pool. */
probe *pyprobe_probe(pyprobe_handle *h);

/**
 * Queue fn(*args, **kwargs).  While the queue is full, @p timeout_ms 0
 * returns PROBE_EFULL, -1 waits without limit, and a positive value waits
 * at most that long.  @p report (None: the handle's) gets the exception.
 * Returns the PROBE_E* code as an int.
 */
PyObject *pyprobe_run(pyprobe_handle *h, PyObject *fn, PyObject *args,
                      PyObject *kwargs, PyObject *report, long timeout_ms);

/** Stop in @p mode; @p timeout_ms 0 does not wait.  Returns the code. */
PyObject *pyprobe_stop(pyprobe_handle *h, int mode, long timeout_ms);

/** Start again after a stop.  Returns the code. */
PyObject *pyprobe_start(pyprobe_handle *h);

/** Wait for every task submitted so far (pools only).  Returns the code. */
PyObject *pyprobe_wait(pyprobe_handle *h, long timeout_ms);

/** Resize a pool to @p size workers.  Returns the code. */
PyObject *pyprobe_resize(pyprobe_handle *h, size_t size);

/** Return a pool's counters as a tuple, or a negative code. */
PyObject *pyprobe_metrics(pyprobe_handle *h);

/** Queue fn(*args, **kwargs) in @p group.  Returns the code. */
PyObject *pyprobe_group_run(pyprobe_handle *h, probe_group *group,
                            PyObject *fn, PyObject *args, PyObject *kwargs,
                            PyObject *report);

/** Wait for the group's tasks.  Returns the code. */
PyObject *pyprobe_group_wait(probe_group *group, long timeout_ms);

/**
 * Queue fn(*args, **kwargs) as a future whose outcome goes to
 * @p cell[0] (result) or @p cell[1] (exception).  NULL on failure.
 */
probe_future *pyprobe_submit(pyprobe_handle *h, PyObject *fn,
                             PyObject *args, PyObject *kwargs,
                             PyObject *cell);

/** Wait for the future.  Returns the code. */
PyObject *pyprobe_future_wait(probe_future *future, long timeout_ms);

/** Wait until @p ctx is cancelled.  Returns the code. */
PyObject *pyprobe_ctx_wait(probe_ctx *ctx, long timeout_ms);

/**
 * Stop every live probe and pool in discard mode, waiting at most
 * @p timeout_ms in all, and keep workers out of Python from now on.
 */
PyObject *pyprobe_atexit(long timeout_ms);

/** Return 1 once pyprobe_atexit() ran or the interpreter is finalizing. */
int pyprobe_exiting(void);

#endif /* PROBE_PYGLUE_H */
