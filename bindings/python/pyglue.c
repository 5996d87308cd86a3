/*
 * C glue of the Python binding: tasks, callbacks and waits.
 *
 * Threads and the GIL:
 *  - Every C callback (task, discard, log, hooks) may run on a worker or
 *    another library thread, so it takes the GIL with PyGILState_Ensure()
 *    and never touches a Python object before that.
 *  - Each worker gets one Python thread state in its init hook and keeps
 *    it until its fini hook, so a task pays for a GIL switch only, and
 *    threading.local data survives from one task to the next.
 *  - Every call that may wait (submit on a full queue, stop, waits,
 *    start, resize, free) runs with the GIL released.  Waits run in
 *    slices of SLICE_MS and take the GIL back between slices to run
 *    signal handlers, so Ctrl-C interrupts them.
 *  - Once pyprobe_atexit() has run, or the interpreter is finalizing, no
 *    callback enters Python: tasks are skipped and their references are
 *    leaked, because the thread states they would need may be gone.
 *
 * Ownership: a queued task owns one reference to its callable, its
 * arguments and its reporter.  They are dropped after the task ran, or in
 * the discard callback or future destructor when it never will.
 *
 * The list of live handles is only touched with the GIL held.
 */
#include "pyglue.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Length of one wait slice: the worst delay before Ctrl-C is seen. */
#define SLICE_MS 50L
/* Maximum pause between two polls of a probe, in microseconds. */
#define POLL_MAX_US 2000L

/* Returned by waits when a signal handler raised. */
#define INTERRUPTED (-1000)

struct pyprobe_handle {
    pool *pool;           /* one of pool and probe is set */
    probe *probe;
    PyObject *log;        /* log(level, message, attrs), or NULL */
    PyObject *discard;    /* discard(fn, args, kwargs), or NULL */
    PyObject *init;       /* init(), or NULL */
    PyObject *fini;       /* fini(), or NULL */
    PyObject *report;     /* report(exception, fn), or NULL */
    /* Submit attempts that found the queue full and were retried.  The
     * library counts each as rejected; metrics subtract them, so that
     * "rejected" counts submits that failed, as in C. */
    atomic_uint_fast64_t retries;
    int handoff;          /* a probe without buffer */
    pyprobe_handle *prev;
    pyprobe_handle *next;
};

struct pytask {
    PyObject *fn;
    PyObject *args;       /* a tuple */
    PyObject *kwargs;     /* a dict, or NULL */
    PyObject *report;     /* or NULL: sys.unraisablehook */
    PyObject *cell;       /* futures: [result, exception], else NULL */
};

static atomic_int exiting;
static pyprobe_handle *live_handles;

/* The worker's own thread state, from its init hook to its fini hook. */
static _Thread_local PyThreadState *worker_state;
static _Thread_local PyGILState_STATE worker_gil;

/* ---------------------------------------------------------------- */
/* Helpers                                                            */
/* ---------------------------------------------------------------- */

static int python_gone(void)
{
    if (atomic_load(&exiting))
        return 1;
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsFinalizing();
#else
    return _Py_IsFinalizing();
#endif
}

int pyprobe_exiting(void)
{
    return python_gone();
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

    nanosleep(&ts, NULL);
}

static PyObject *new_ref_or_null(PyObject *obj)
{
    if (obj == NULL || obj == Py_None)
        return NULL;
    Py_INCREF(obj);
    return obj;
}

/* Take the pending exception as one object (Python 3.12 has a call). */
static PyObject *take_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *tb;

    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL)
        PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
#endif
}

/* Hand the pending exception raised by @fn to @report, or to
 * sys.unraisablehook when there is no reporter or the reporter raised. */
static void report_exception(PyObject *report, PyObject *fn)
{
    PyObject *exc, *r;

    if (report == NULL) {
        PyErr_WriteUnraisable(fn);
        return;
    }
    exc = take_exception();
    r = PyObject_CallFunctionObjArgs(report, exc != NULL ? exc : Py_None,
                                     fn, NULL);
    Py_XDECREF(exc);
    if (r == NULL)
        PyErr_WriteUnraisable(report);
    Py_XDECREF(r);
}

/* Call @fn(), reporting an exception.  Returns 0, or 1 when it raised. */
static int call_hook(PyObject *fn, PyObject *report)
{
    PyObject *r;

    if (fn == NULL)
        return 0;
    r = PyObject_CallNoArgs(fn);
    if (r == NULL) {
        report_exception(report, fn);
        return 1;
    }
    Py_DECREF(r);
    return 0;
}

/* ---------------------------------------------------------------- */
/* Tasks                                                              */
/* ---------------------------------------------------------------- */

static struct pytask *task_new(PyObject *fn, PyObject *args,
                               PyObject *kwargs, PyObject *report,
                               PyObject *cell)
{
    struct pytask *t;

    if (!PyCallable_Check(fn)) {
        PyErr_Format(PyExc_TypeError, "task must be callable, not %.100s",
                     Py_TYPE(fn)->tp_name);
        return NULL;
    }
    if (!PyTuple_Check(args)) {
        PyErr_SetString(PyExc_TypeError, "task arguments must be a tuple");
        return NULL;
    }
    if (kwargs != NULL && kwargs != Py_None && !PyDict_Check(kwargs)) {
        PyErr_SetString(PyExc_TypeError,
                        "task keyword arguments must be a dict or None");
        return NULL;
    }
    t = PyMem_Malloc(sizeof *t);
    if (t == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    Py_INCREF(fn);
    Py_INCREF(args);
    t->fn = fn;
    t->args = args;
    t->kwargs = new_ref_or_null(kwargs);
    t->report = new_ref_or_null(report);
    t->cell = new_ref_or_null(cell);
    return t;
}

/* Drop the task's references.  GIL held. */
static void task_free(struct pytask *t)
{
    Py_DECREF(t->fn);
    Py_DECREF(t->args);
    Py_XDECREF(t->kwargs);
    Py_XDECREF(t->report);
    Py_XDECREF(t->cell);
    PyMem_Free(t);
}

/* probe_task_fn: a non-zero return makes the pool count a failure. */
static int run_task(void *arg)
{
    struct pytask *t = arg;
    PyGILState_STATE gil;
    PyObject *r;
    int rc = 0;

    if (python_gone())
        return 1;
    gil = PyGILState_Ensure();
    r = PyObject_Call(t->fn, t->args, t->kwargs);
    if (r == NULL) {
        report_exception(t->report, t->fn);
        rc = 1;
    }
    Py_XDECREF(r);
    task_free(t);
    PyGILState_Release(gil);
    return rc;
}

/* probe_call_fn for futures: the outcome goes to the task's cell. */
static void *run_call(void *arg)
{
    struct pytask *t = arg;
    PyGILState_STATE gil;
    PyObject *r;

    if (python_gone())
        return NULL;
    gil = PyGILState_Ensure();
    r = PyObject_Call(t->fn, t->args, t->kwargs);
    if (r != NULL)
        PyList_SetItem(t->cell, 0, r);
    else
        PyList_SetItem(t->cell, 1, take_exception());
    task_free(t);
    PyGILState_Release(gil);
    return NULL;
}

/* probe_dtor_fn for futures that never run. */
static void drop_call(void *arg)
{
    PyGILState_STATE gil;

    if (python_gone())
        return;
    gil = PyGILState_Ensure();
    task_free(arg);
    PyGILState_Release(gil);
}

/* ---------------------------------------------------------------- */
/* Callbacks from the library                                         */
/* ---------------------------------------------------------------- */

static void on_discard(probe_task_fn fn, void *arg, void *payload)
{
    pyprobe_handle *h = payload;
    struct pytask *t = arg;
    PyGILState_STATE gil;
    PyObject *r;

    if (fn != run_task || python_gone())
        return;
    gil = PyGILState_Ensure();
    if (h->discard != NULL) {
        r = PyObject_CallFunctionObjArgs(h->discard, t->fn, t->args,
                                         t->kwargs != NULL ? t->kwargs
                                                           : Py_None,
                                         NULL);
        if (r == NULL)
            report_exception(h->report, h->discard);
        Py_XDECREF(r);
    }
    task_free(t);
    PyGILState_Release(gil);
}

/* Decode library text, which may hold a file name in any encoding. */
static PyObject *text(const char *s)
{
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
}

static PyObject *record_attrs(const probe_log_record *record)
{
    PyObject *attrs = PyDict_New(), *value;
    size_t i, n = probe_log_record_attr_count(record);

    for (i = 0; attrs != NULL && i < n; i++) {
        value = text(probe_log_record_attr_value(record, i));
        if (value == NULL ||
            PyDict_SetItemString(attrs, probe_log_record_attr_key(record, i),
                                 value) < 0)
            Py_CLEAR(attrs);
        Py_XDECREF(value);
    }
    return attrs;
}

static void on_log(const probe_log_record *record, void *payload)
{
    pyprobe_handle *h = payload;
    PyGILState_STATE gil;
    PyObject *attrs, *message, *r = NULL;

    if (python_gone())
        return;
    gil = PyGILState_Ensure();
    attrs = record_attrs(record);
    message = text(probe_log_record_message(record));
    if (attrs != NULL && message != NULL)
        r = PyObject_CallFunction(h->log, "iOO",
                                  probe_log_record_level(record), message,
                                  attrs);
    if (r == NULL)
        PyErr_WriteUnraisable(h->log);
    Py_XDECREF(r);
    Py_XDECREF(message);
    Py_XDECREF(attrs);
    PyGILState_Release(gil);
}

/* Init hook: give the new worker its thread state, then run init(). */
static int on_init(void *payload)
{
    pyprobe_handle *h = payload;

    if (python_gone())
        return 0;
    worker_gil = PyGILState_Ensure();
    if (call_hook(h->init, h->report) != 0) {
        /* The worker exits without running its fini hook. */
        PyGILState_Release(worker_gil);
        return 1;
    }
    worker_state = PyEval_SaveThread();
    return 0;
}

static int on_fini(void *payload)
{
    pyprobe_handle *h = payload;
    PyThreadState *state = worker_state;

    worker_state = NULL;
    if (state == NULL || python_gone())
        return 0;
    PyEval_RestoreThread(state);
    call_hook(h->fini, h->report);
    PyGILState_Release(worker_gil);
    return 0;
}

/* ---------------------------------------------------------------- */
/* Waiting in slices                                                  */
/* ---------------------------------------------------------------- */

/* One slice of a wait: returns PROBE_ETIMEDOUT when it should go on. */
typedef int (*slice_fn)(void *target, void *extra, long slice_ms);

/* Run @op in slices with the GIL released until it returns anything but
 * PROBE_ETIMEDOUT or @timeout_ms (-1: no limit) passed.  Returns its code,
 * or INTERRUPTED with the exception set when a signal handler raised. */
static int wait_sliced(slice_fn op, void *target, void *extra,
                       long timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    int64_t left;
    long slice;
    int rc;

    for (;;) {
        slice = SLICE_MS;
        if (deadline >= 0) {
            left = deadline - now_ms();
            if (left < slice)
                slice = left > 0 ? (long)left : 0;
        }
        Py_BEGIN_ALLOW_THREADS
        rc = op(target, extra, slice);
        Py_END_ALLOW_THREADS
        if (rc != PROBE_ETIMEDOUT)
            return rc;
        if (deadline >= 0 && now_ms() >= deadline)
            return rc;
        if (PyErr_CheckSignals() < 0)
            return INTERRUPTED;
    }
}

static PyObject *code_or_raise(int rc)
{
    return rc == INTERRUPTED ? NULL : PyLong_FromLong(rc);
}

struct submit {
    pyprobe_handle *h;
    struct pytask *t;
};

static int pool_run_slice(void *target, void *submit, long ms)
{
    struct submit *s = submit;
    int rc = pool_run_timed(target, run_task, s->t, ms);

    /* A slice of 0 ms, at the deadline, reports a full queue. */
    if (rc == PROBE_EFULL)
        rc = PROBE_ETIMEDOUT;
    if (rc == PROBE_ETIMEDOUT)
        atomic_fetch_add(&s->h->retries, 1);
    return rc;
}

/* The probe API has no timed submit, so poll with a growing pause. */
static int probe_run_slice(void *target, void *submit, long ms)
{
    struct submit *s = submit;
    int64_t end = now_ms() + ms;
    long pause = 50;
    int rc;

    for (;;) {
        rc = probe_try_run(target, run_task, s->t);
        if (rc != PROBE_EFULL)
            return rc;
        if (now_ms() >= end)
            return PROBE_ETIMEDOUT;
        pause_us(pause);
        pause = pause * 2 < POLL_MAX_US ? pause * 2 : POLL_MAX_US;
    }
}

static int pool_stop_slice(void *target, void *mode, long ms)
{
    return pool_stop_timed(target, (int)(intptr_t)mode, ms);
}

/* The probe API has no timed stop: stop without waiting, poll until the
 * thread is gone, then join it with a stop that waits. */
static int probe_stop_slice(void *target, void *mode, long ms)
{
    int64_t end = now_ms() + ms;
    long pause = 50;
    int rc;

    if (probe_current() == target)
        return probe_stop(target, (int)(intptr_t)mode, PROBE_WAIT);
    rc = probe_stop(target, (int)(intptr_t)mode, PROBE_NOWAIT);
    if (rc != PROBE_OK)
        return rc;
    while (probe_running(target)) {
        if (now_ms() >= end)
            return PROBE_ETIMEDOUT;
        pause_us(pause);
        pause = pause * 2 < POLL_MAX_US ? pause * 2 : POLL_MAX_US;
    }
    return probe_stop(target, (int)(intptr_t)mode, PROBE_WAIT);
}

static int pool_wait_slice(void *target, void *unused, long ms)
{
    (void)unused;
    return pool_wait(target, ms);
}

static int group_wait_slice(void *target, void *unused, long ms)
{
    (void)unused;
    return probe_group_wait(target, ms);
}

static int future_wait_slice(void *target, void *unused, long ms)
{
    (void)unused;
    return probe_future_wait(target, ms);
}

static int ctx_wait_slice(void *target, void *unused, long ms)
{
    (void)unused;
    return probe_ctx_wait(target, ms);
}

/* ---------------------------------------------------------------- */
/* Handles                                                            */
/* ---------------------------------------------------------------- */

static void link_handle(pyprobe_handle *h)
{
    h->prev = NULL;
    h->next = live_handles;
    if (live_handles != NULL)
        live_handles->prev = h;
    live_handles = h;
}

static void unlink_handle(pyprobe_handle *h)
{
    if (h->prev != NULL)
        h->prev->next = h->next;
    else if (live_handles == h)
        live_handles = h->next;
    if (h->next != NULL)
        h->next->prev = h->prev;
    h->prev = h->next = NULL;
}

/* Drop the Python references and the handle itself.  GIL held. */
static void release_handle(pyprobe_handle *h)
{
    Py_XDECREF(h->log);
    Py_XDECREF(h->discard);
    Py_XDECREF(h->init);
    Py_XDECREF(h->fini);
    Py_XDECREF(h->report);
    PyMem_Free(h);
}

/* Stop and free the engine.  Blocks on the workers: GIL released. */
static void free_engine(pyprobe_handle *h)
{
    if (h->pool != NULL)
        pool_free(h->pool);
    else
        probe_free(h->probe);
}

pyprobe_handle *pyprobe_new(int is_probe, probe_config *config,
                            PyObject *log, int log_level, PyObject *discard,
                            PyObject *init, PyObject *fini, PyObject *report)
{
    pyprobe_handle *h;
    long long buffer = -1;

    if (config == NULL || python_gone())
        return NULL;
    h = PyMem_Calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->log = new_ref_or_null(log);
    h->discard = new_ref_or_null(discard);
    h->init = new_ref_or_null(init);
    h->fini = new_ref_or_null(fini);
    h->report = new_ref_or_null(report);
    h->handoff = is_probe && probe_config_get(config, PROBE_OPT_BUFFER,
                                              &buffer) == PROBE_OK &&
                 buffer == 0;
    probe_config_set_hooks(config, on_init, on_fini, h);
    probe_config_set_discard(config, on_discard, h);
    if (h->log != NULL)
        probe_config_set_log(config, log_level, on_log, h);

    Py_BEGIN_ALLOW_THREADS
    if (is_probe)
        h->probe = probe_new(config);
    else
        h->pool = pool_new(config);
    Py_END_ALLOW_THREADS

    if (h->probe == NULL && h->pool == NULL) {
        release_handle(h);
        return NULL;
    }
    link_handle(h);
    return h;
}

static void *reap_handle(void *arg)
{
    pyprobe_handle *h = arg;
    PyGILState_STATE gil;

    free_engine(h);
    if (python_gone())
        return NULL;
    gil = PyGILState_Ensure();
    release_handle(h);
    PyGILState_Release(gil);
    return NULL;
}

/* Free from one of the handle's own tasks: the library would defer the
 * free to the last worker, but the Python references must outlive every
 * callback, so a helper thread does the free and then drops them. */
static void free_from_own_task(pyprobe_handle *h)
{
    pthread_attr_t attr;
    pthread_t thread;
    int rc;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&thread, &attr, reap_handle, h);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        /* NOTE: without a thread, the library's deferred free runs and
         * the handle's Python references leak. */
        free_engine(h);
    }
}

void pyprobe_free(pyprobe_handle *h)
{
    if (h == NULL)
        return;
    unlink_handle(h);
    if (python_gone())
        return;  /* workers may still wait for the GIL: leak */
    if ((h->pool != NULL && pool_current() == h->pool) ||
        (h->probe != NULL && probe_current() == h->probe)) {
        free_from_own_task(h);
        return;
    }
    Py_BEGIN_ALLOW_THREADS
    free_engine(h);
    Py_END_ALLOW_THREADS
    release_handle(h);
}

pool *pyprobe_pool(pyprobe_handle *h)
{
    return h != NULL ? h->pool : NULL;
}

probe *pyprobe_probe(pyprobe_handle *h)
{
    return h != NULL ? h->probe : NULL;
}

/* ---------------------------------------------------------------- */
/* Calls on a handle                                                  */
/* ---------------------------------------------------------------- */

PyObject *pyprobe_run(pyprobe_handle *h, PyObject *fn, PyObject *args,
                      PyObject *kwargs, PyObject *report, long timeout_ms)
{
    struct submit s;
    int rc;

    if (h == NULL)
        return PyLong_FromLong(PROBE_ESTOPPED);
    s.h = h;
    s.t = task_new(fn, args, kwargs,
                   report != NULL && report != Py_None ? report : h->report,
                   NULL);
    if (s.t == NULL)
        return NULL;

    /* A pool's or buffered probe's try-run only pushes to the ring, so it
     * keeps the GIL.  NOTE: without a buffer, probe_try_run() can wait
     * for the worker's running task, because its busy check may pass just
     * after the worker took the previous task.  So a handoff probe
     * releases the GIL here too. */
    if (h->pool != NULL) {
        rc = pool_try_run(h->pool, run_task, s.t);
    } else if (h->handoff) {
        Py_BEGIN_ALLOW_THREADS
        rc = probe_try_run(h->probe, run_task, s.t);
        Py_END_ALLOW_THREADS
    } else {
        rc = probe_try_run(h->probe, run_task, s.t);
    }
    if (rc == PROBE_EFULL && timeout_ms != 0) {
        atomic_fetch_add(&h->retries, 1);
        if (h->pool != NULL)
            rc = wait_sliced(pool_run_slice, h->pool, &s, timeout_ms);
        else
            rc = wait_sliced(probe_run_slice, h->probe, &s, timeout_ms);
        /* The last timed-out slice was a rejection, not a retry. */
        if (h->pool != NULL &&
            (rc == PROBE_ETIMEDOUT || rc == INTERRUPTED))
            atomic_fetch_sub(&h->retries, 1);
    }
    if (rc != PROBE_OK)
        task_free(s.t);
    return code_or_raise(rc);
}

PyObject *pyprobe_stop(pyprobe_handle *h, int mode, long timeout_ms)
{
    int rc;

    if (h == NULL)
        return PyLong_FromLong(PROBE_ESTOPPED);
    if (timeout_ms == 0) {
        Py_BEGIN_ALLOW_THREADS
        rc = h->pool != NULL ? pool_stop(h->pool, mode, PROBE_NOWAIT)
                             : probe_stop(h->probe, mode, PROBE_NOWAIT);
        Py_END_ALLOW_THREADS
        return PyLong_FromLong(rc);
    }
    if (h->pool != NULL)
        rc = wait_sliced(pool_stop_slice, h->pool, (void *)(intptr_t)mode,
                         timeout_ms);
    else
        rc = wait_sliced(probe_stop_slice, h->probe, (void *)(intptr_t)mode,
                         timeout_ms);
    return code_or_raise(rc);
}

PyObject *pyprobe_start(pyprobe_handle *h)
{
    int rc;

    if (h == NULL)
        return PyLong_FromLong(PROBE_ESTOPPED);
    /* NOTE: a start waits for a stop still in progress, and that wait
     * cannot be interrupted by Ctrl-C. */
    Py_BEGIN_ALLOW_THREADS
    rc = h->pool != NULL ? pool_start(h->pool) : probe_start(h->probe);
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(rc);
}

PyObject *pyprobe_wait(pyprobe_handle *h, long timeout_ms)
{
    if (h == NULL)
        return PyLong_FromLong(PROBE_ESTOPPED);
    if (h->pool == NULL)
        return PyLong_FromLong(PROBE_EINVAL);
    return code_or_raise(wait_sliced(pool_wait_slice, h->pool, NULL,
                                     timeout_ms));
}

PyObject *pyprobe_resize(pyprobe_handle *h, size_t size)
{
    int rc;

    if (h == NULL)
        return PyLong_FromLong(PROBE_ESTOPPED);
    if (h->pool == NULL)
        return PyLong_FromLong(PROBE_EINVAL);
    Py_BEGIN_ALLOW_THREADS
    rc = pool_resize(h->pool, size);
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(rc);
}

PyObject *pyprobe_metrics(pyprobe_handle *h)
{
    uint64_t values[PROBE_METRIC_COUNT], retries;
    PyObject *out;
    int i, n;

    if (h == NULL || h->pool == NULL)
        return PyLong_FromLong(PROBE_EINVAL);
    n = pool_metrics(h->pool, values, PROBE_METRIC_COUNT);
    if (n < 0)
        return PyLong_FromLong(n);
    retries = atomic_load(&h->retries);
    if (n > PROBE_METRIC_REJECTED)
        values[PROBE_METRIC_REJECTED] -=
            retries < values[PROBE_METRIC_REJECTED]
                ? retries : values[PROBE_METRIC_REJECTED];
    out = PyTuple_New(n);
    for (i = 0; out != NULL && i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(values[i]);

        if (v == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyTuple_SET_ITEM(out, i, v);
    }
    return out;
}

/* ---------------------------------------------------------------- */
/* Groups, futures and contexts                                       */
/* ---------------------------------------------------------------- */

PyObject *pyprobe_group_run(pyprobe_handle *h, probe_group *group,
                            PyObject *fn, PyObject *args, PyObject *kwargs,
                            PyObject *report)
{
    struct pytask *t;
    int rc;

    if (h == NULL)
        return PyLong_FromLong(PROBE_ESTOPPED);
    if (group == NULL)
        return PyLong_FromLong(PROBE_EINVAL);
    t = task_new(fn, args, kwargs,
                 report != NULL && report != Py_None ? report : h->report,
                 NULL);
    if (t == NULL)
        return NULL;
    /* NOTE: the group API has no timed submit, so a submit blocked on a
     * full queue cannot be interrupted by Ctrl-C. */
    Py_BEGIN_ALLOW_THREADS
    rc = probe_group_run(group, run_task, t);
    Py_END_ALLOW_THREADS
    if (rc != PROBE_OK)
        task_free(t);
    return PyLong_FromLong(rc);
}

PyObject *pyprobe_group_wait(probe_group *group, long timeout_ms)
{
    return code_or_raise(wait_sliced(group_wait_slice, group, NULL,
                                     timeout_ms));
}

probe_future *pyprobe_submit(pyprobe_handle *h, PyObject *fn,
                             PyObject *args, PyObject *kwargs,
                             PyObject *cell)
{
    struct pytask *t;
    probe_future *f;

    if (h == NULL || h->pool == NULL || !PyList_Check(cell) ||
        PyList_GET_SIZE(cell) < 2)
        return NULL;
    t = task_new(fn, args, kwargs, NULL, cell);
    if (t == NULL) {
        /* The caller checked the arguments: only memory can run out. */
        PyErr_Clear();
        return NULL;
    }
    /* NOTE: pool_submit has no timed form, so a submit blocked on a full
     * queue cannot be interrupted by Ctrl-C. */
    Py_BEGIN_ALLOW_THREADS
    f = pool_submit(h->pool, run_call, t, drop_call);
    Py_END_ALLOW_THREADS
    return f;
}

PyObject *pyprobe_future_wait(probe_future *future, long timeout_ms)
{
    return code_or_raise(wait_sliced(future_wait_slice, future, NULL,
                                     timeout_ms));
}

PyObject *pyprobe_ctx_wait(probe_ctx *ctx, long timeout_ms)
{
    return code_or_raise(wait_sliced(ctx_wait_slice, ctx, NULL,
                                     timeout_ms));
}

/* ---------------------------------------------------------------- */
/* Interpreter exit                                                   */
/* ---------------------------------------------------------------- */

static int stop_handle_for(pyprobe_handle *h, long ms)
{
    if (h->pool != NULL)
        return pool_stop_timed(h->pool, PROBE_DISCARD, ms);
    return probe_stop_slice(h->probe, (void *)(intptr_t)PROBE_DISCARD, ms);
}

/* Stop every live probe and pool without running more Python: from here
 * on tasks are skipped.  Each stop waits at most until @timeout_ms after
 * the call; a task still running then is left to the interpreter's exit. */
PyObject *pyprobe_atexit(long timeout_ms)
{
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    pyprobe_handle *h, **handles;
    size_t i, count = 0;
    int64_t left;

    atomic_store(&exiting, 1);
    /* Other threads may unlink handles while the GIL is released below;
     * from now on nothing frees them, so a copy of the list stays valid. */
    for (h = live_handles; h != NULL; h = h->next)
        count++;
    handles = PyMem_Malloc((count > 0 ? count : 1) * sizeof *handles);
    if (handles == NULL)
        return PyErr_NoMemory();
    for (i = 0, h = live_handles; h != NULL; h = h->next)
        handles[i++] = h;

    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < count; i++) {
        if (handles[i]->pool != NULL)
            pool_stop(handles[i]->pool, PROBE_DISCARD, PROBE_NOWAIT);
        else
            probe_stop(handles[i]->probe, PROBE_DISCARD, PROBE_NOWAIT);
    }
    for (i = 0; i < count; i++) {
        left = deadline - now_ms();
        stop_handle_for(handles[i], left > 0 ? (long)left : 0);
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(handles);
    Py_RETURN_NONE;
}
