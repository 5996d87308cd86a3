"""Drive libprobe.so.0 through ctypes alone: a pool under a context, a log
handler, tasks written in Python and a discard callback.

Tasks and log records arrive on the pool's worker threads.  A ctypes
CFUNCTYPE callback takes the GIL itself, and a call through ctypes.CDLL
releases it, so a worker can run Python while the main thread is blocked
inside the library.  Every wait is bounded.

Usage: ctypes_pool.py LIBRARY
"""

import ctypes
import faulthandler
import select
import sys
import threading

WAIT_LIMIT_MS = 10000
WAIT_LIMIT_S = WAIT_LIMIT_MS / 1000
# A hung library ends the test with a traceback after this many seconds.
WATCHDOG_S = 120

# Constants copied from include/probe.h, because ctypes reads no header.
PROBE_OK = 0
PROBE_EINVAL = -2
PROBE_ESTOPPED = -4
PROBE_ECANCELED = -5
PROBE_OPT_SIZE = 1
PROBE_OPT_BUFFER = 2
PROBE_LOG_DEBUG = 10
PROBE_DRAIN = 1
PROBE_DISCARD = 3
PROBE_NOWAIT = 0
PROBE_WAIT = 1
PROBE_METRIC_COMPLETED = 1
PROBE_METRIC_DISCARDED = 4
PROBE_METRIC_COUNT = 11

TASK_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
DISCARD_FN = ctypes.CFUNCTYPE(None, TASK_FN, ctypes.c_void_p,
                              ctypes.c_void_p)
LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)

# name: (restype, argtypes), for every function the test calls.
SIGNATURES = {
    "probe_version": (ctypes.c_char_p, []),
    "probe_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "probe_last_error": (ctypes.c_int, []),
    "probe_last_message": (ctypes.c_char_p, []),
    "probe_ctx_new": (ctypes.c_void_p, []),
    "probe_ctx_cancel": (ctypes.c_int, [ctypes.c_void_p]),
    "probe_ctx_done": (ctypes.c_int, [ctypes.c_void_p]),
    "probe_ctx_fd": (ctypes.c_int, [ctypes.c_void_p]),
    "probe_ctx_free": (None, [ctypes.c_void_p]),
    "probe_config_new": (ctypes.c_void_p, []),
    "probe_config_free": (None, [ctypes.c_void_p]),
    "probe_config_set": (ctypes.c_int,
                         [ctypes.c_void_p, ctypes.c_int, ctypes.c_longlong]),
    "probe_config_set_ctx": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
    "probe_config_set_log": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int,
                                            LOG_FN, ctypes.c_void_p]),
    "probe_config_set_discard": (ctypes.c_int, [ctypes.c_void_p, DISCARD_FN,
                                                ctypes.c_void_p]),
    "probe_log_record_level": (ctypes.c_int, [ctypes.c_void_p]),
    "probe_log_record_message": (ctypes.c_char_p, [ctypes.c_void_p]),
    "probe_log_record_get": (ctypes.c_char_p,
                             [ctypes.c_void_p, ctypes.c_char_p]),
    "pool_new": (ctypes.c_void_p, [ctypes.c_void_p]),
    "pool_run": (ctypes.c_int, [ctypes.c_void_p, TASK_FN, ctypes.c_void_p]),
    "pool_wait": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_long]),
    "pool_stop": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]),
    "pool_metrics": (ctypes.c_int, [ctypes.c_void_p,
                                    ctypes.POINTER(ctypes.c_uint64),
                                    ctypes.c_size_t]),
    "pool_free": (None, [ctypes.c_void_p]),
}

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("ctypes_pool: FAIL: " + what, file=sys.stderr)


def load(path):
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in SIGNATURES.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


class Recorder:
    """What the callbacks saw, from whichever thread they ran on."""

    def __init__(self, lib):
        self.lib = lib
        self.lock = threading.Lock()
        self.task_threads = set()
        self.log_threads = set()
        self.log_messages = []
        self.discarded = []
        self.gate = threading.Event()
        self.blocked = threading.Event()
        # The CFUNCTYPE objects must outlive the pool that calls them.
        self.count_task = TASK_FN(self.on_count)
        self.blocking_task = TASK_FN(self.on_block)
        self.on_log_fn = LOG_FN(self.on_log)
        self.on_discard_fn = DISCARD_FN(self.on_discard)

    def on_count(self, arg):
        with self.lock:
            self.task_threads.add(threading.get_ident())
        return 0

    def on_block(self, arg):
        self.blocked.set()
        return 0 if self.gate.wait(WAIT_LIMIT_S) else 1

    def on_log(self, record, payload):
        message = self.lib.probe_log_record_message(record)
        worker = self.lib.probe_log_record_get(record, b"id")
        with self.lock:
            self.log_threads.add(threading.get_ident())
            self.log_messages.append((message, worker))

    def on_discard(self, fn, arg, payload):
        with self.lock:
            self.discarded.append(arg)


def make_config(lib, ctx, recorder, size):
    config = lib.probe_config_new()
    check(config is not None, "probe_config_new returned NULL")
    check(lib.probe_config_set(config, PROBE_OPT_SIZE, size) == PROBE_OK,
          "setting PROBE_OPT_SIZE")
    check(lib.probe_config_set(config, PROBE_OPT_BUFFER, 32) == PROBE_OK,
          "setting PROBE_OPT_BUFFER")
    check(lib.probe_config_set_ctx(config, ctx) == PROBE_OK,
          "probe_config_set_ctx")
    check(lib.probe_config_set_log(config, PROBE_LOG_DEBUG,
                                   recorder.on_log_fn, None) == PROBE_OK,
          "probe_config_set_log")
    check(lib.probe_config_set_discard(config, recorder.on_discard_fn,
                                       None) == PROBE_OK,
          "probe_config_set_discard")
    return config


def metrics_of(lib, pool):
    values = (ctypes.c_uint64 * PROBE_METRIC_COUNT)()
    count = lib.pool_metrics(pool, values, PROBE_METRIC_COUNT)
    check(count == PROBE_METRIC_COUNT, "pool_metrics returned %d" % count)
    return values


def test_tasks_and_log(lib):
    """Many Python tasks on four workers, then a cancel seen through the
    context's file descriptor."""
    recorder = Recorder(lib)
    ctx = lib.probe_ctx_new()
    config = make_config(lib, ctx, recorder, 4)
    pool = lib.pool_new(config)
    check(pool is not None, "pool_new: %s" % lib.probe_last_message())
    for _ in range(500):
        check(lib.pool_run(pool, recorder.count_task, None) == PROBE_OK,
              "pool_run")
    check(lib.pool_wait(pool, WAIT_LIMIT_MS) == PROBE_OK, "pool_wait")
    check(metrics_of(lib, pool)[PROBE_METRIC_COMPLETED] == 500,
          "500 tasks completed")
    main = threading.get_ident()
    check(recorder.task_threads and main not in recorder.task_threads,
          "tasks ran on worker threads only")

    fd = lib.probe_ctx_fd(ctx)
    check(fd >= 0, "probe_ctx_fd returned %d" % fd)
    check(lib.probe_ctx_cancel(ctx) == PROBE_OK, "probe_ctx_cancel")
    readable, _, _ = select.select([fd], [], [], WAIT_LIMIT_S)
    check(readable == [fd], "the context's descriptor became readable")
    check(lib.probe_ctx_done(ctx) == 1, "probe_ctx_done after cancel")
    check(lib.pool_run(pool, recorder.count_task, None)
          in (PROBE_ESTOPPED, PROBE_ECANCELED),
          "pool_run rejected after the cancel")
    check(lib.pool_stop(pool, PROBE_DRAIN, PROBE_WAIT) == PROBE_OK,
          "pool_stop")
    lib.pool_free(pool)
    lib.probe_config_free(config)
    lib.probe_ctx_free(ctx)

    check(any(thread != main for thread in recorder.log_threads),
          "log records arrived on worker threads")
    check(all(message and worker for message, worker
              in recorder.log_messages),
          "every log record has a message and an id attribute")
    print("ctypes_pool: 500 tasks on %d threads, %d log records"
          % (len(recorder.task_threads), len(recorder.log_messages)))


def test_discard(lib):
    """Tasks queued behind a blocked worker go to the discard callback,
    with their argument, when the pool stops in PROBE_DISCARD mode."""
    recorder = Recorder(lib)
    ctx = lib.probe_ctx_new()
    config = make_config(lib, ctx, recorder, 1)
    pool = lib.pool_new(config)
    check(pool is not None, "pool_new: %s" % lib.probe_last_message())
    check(lib.pool_run(pool, recorder.blocking_task, None) == PROBE_OK,
          "pool_run of the blocking task")
    check(recorder.blocked.wait(WAIT_LIMIT_S), "the blocking task started")
    for tag in range(1, 6):
        check(lib.pool_run(pool, recorder.count_task, tag) == PROBE_OK,
              "pool_run of queued task %d" % tag)
    check(lib.pool_stop(pool, PROBE_DISCARD, PROBE_NOWAIT) == PROBE_OK,
          "pool_stop PROBE_DISCARD")
    recorder.gate.set()
    check(lib.pool_stop(pool, PROBE_DISCARD, PROBE_WAIT) == PROBE_OK,
          "pool_stop PROBE_WAIT")
    values = metrics_of(lib, pool)
    lib.pool_free(pool)
    lib.probe_config_free(config)
    lib.probe_ctx_free(ctx)

    check(sorted(recorder.discarded) == [1, 2, 3, 4, 5],
          "discarded arguments: %r" % recorder.discarded)
    check(values[PROBE_METRIC_DISCARDED] == 5, "5 tasks counted discarded")
    check(not recorder.task_threads, "no discarded task ran")
    print("ctypes_pool: %d tasks discarded" % len(recorder.discarded))


def test_errors(lib):
    """Bad input comes back as a code and a message."""
    check(lib.pool_run(None, TASK_FN(lambda arg: 0), None) == PROBE_EINVAL,
          "pool_run on NULL is PROBE_EINVAL")
    check(lib.probe_last_error() == PROBE_EINVAL, "probe_last_error")
    check(b"pool_run" in lib.probe_last_message(),
          "probe_last_message names the call: %r"
          % lib.probe_last_message())
    check(lib.probe_strerror(PROBE_EINVAL), "probe_strerror")


def main():
    faulthandler.dump_traceback_later(WATCHDOG_S, exit=True)
    if len(sys.argv) != 2:
        print("usage: ctypes_pool.py LIBRARY", file=sys.stderr)
        return 99
    try:
        lib = load(sys.argv[1])
    except OSError as error:
        print("ctypes_pool: cannot load %s: %s" % (sys.argv[1], error),
              file=sys.stderr)
        return 99
    print("ctypes_pool: probe %s" % lib.probe_version().decode())
    test_errors(lib)
    test_tasks_and_log(lib)
    test_discard(lib)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
