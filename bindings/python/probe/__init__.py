"""Reusable worker threads for Python, backed by the probe C library.

A :class:`Probe` is one long-lived worker thread; a :class:`Pool` is a set
of workers fed by one bounded queue.  Both run under a cancellable
:class:`Context`.  :class:`Executor` puts a pool behind the standard
:class:`concurrent.futures.Executor` interface, so it also serves
``asyncio``'s ``loop.run_in_executor``.

Every call that can block releases the GIL and can be interrupted with
Ctrl-C.  Tasks run on the workers with the GIL held, one at a time per
interpreter, as with any Python thread.  The low-level SWIG module is
:mod:`probe.capi`.
"""

from __future__ import annotations

import atexit
import collections
import concurrent.futures as _cf
import enum
import logging
import math
import operator
import os
import threading
import traceback
from typing import Any, Callable, Optional, TypeVar, Union

from . import capi as _api
from . import _capi as _ext

__all__ = [
    "Busy", "Cancelled", "Context", "Deadlock", "DISCARD", "DRAIN", "Error",
    "Executor", "Forked", "Full", "Future", "Group", "InitFailed",
    "InvalidArgument", "KEEP", "Metrics", "NoMemory", "Pool", "Probe",
    "Stopped", "StopMode", "ThreadStartError", "Timeout", "current_context",
    "current_id", "exit_timeout", "version",
]

#: Seconds the interpreter's exit waits for running tasks of live probes
#: and pools before it goes on without them.
exit_timeout: float = 2.0

# ---------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------


class Error(Exception):
    """A failed probe call; ``code`` is the C library's PROBE_E* code."""

    code: int = _api.PROBE_ERROR

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidArgument(Error, ValueError):
    """An argument was rejected (PROBE_EINVAL)."""

    code = _api.PROBE_EINVAL


class NoMemory(Error, MemoryError):
    """The library ran out of memory (PROBE_ENOMEM)."""

    code = _api.PROBE_ENOMEM


class Stopped(Error, RuntimeError):
    """The probe or pool is stopped or stopping (PROBE_ESTOPPED)."""

    code = _api.PROBE_ESTOPPED


class Cancelled(Error):
    """The context was cancelled, or the task will never run."""

    code = _api.PROBE_ECANCELED


class Full(Error):
    """The queue is full and the submit would block (PROBE_EFULL)."""

    code = _api.PROBE_EFULL


class Timeout(Error, TimeoutError):
    """The timeout expired first (PROBE_ETIMEDOUT)."""

    code = _api.PROBE_ETIMEDOUT


class Deadlock(Error, RuntimeError):
    """The call would wait on the worker making it (PROBE_EDEADLK)."""

    code = _api.PROBE_EDEADLK


class ThreadStartError(Error, RuntimeError):
    """A worker thread could not be started (PROBE_ETHREAD)."""

    code = _api.PROBE_ETHREAD


class Forked(Error, RuntimeError):
    """The handle belongs to the parent process (PROBE_EFORKED)."""

    code = _api.PROBE_EFORKED


class InitFailed(Error, RuntimeError):
    """A worker's init hook failed (PROBE_EINIT)."""

    code = _api.PROBE_EINIT


class Busy(Error):
    """The task is already running or finished (PROBE_EBUSY)."""

    code = _api.PROBE_EBUSY


_ERRORS = {cls.code: cls for cls in (
    InvalidArgument, NoMemory, Stopped, Cancelled, Full, Timeout, Deadlock,
    ThreadStartError, Forked, InitFailed, Busy)}


def _error(code: int, call: str) -> Error:
    """Build the exception for a failed ``call`` from the thread's record."""
    detail = _api.probe_last_message()
    if _api.probe_last_error() != code or not detail:
        detail = _api.probe_strerror(code)
    cls = _ERRORS.get(code, Error)
    return cls(f"{call}: {detail}", code)


def _check(rc: int, call: str) -> None:
    if rc < 0:
        raise _error(rc, call)


def _timeout_ms(timeout: Optional[float], name: str = "timeout") -> int:
    """Convert seconds (None: no limit) into the library's milliseconds."""
    if timeout is None:
        return -1
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{name} must be a number of seconds or None, "
                        f"not {type(timeout).__name__}")
    if math.isnan(timeout) or timeout < 0:
        raise ValueError(f"{name} must be 0 or more seconds, not {timeout}")
    if math.isinf(timeout):
        return -1
    return min(math.ceil(timeout * 1000), 2**31 - 1)


# ---------------------------------------------------------------------
# Stop modes, metrics, version
# ---------------------------------------------------------------------


class StopMode(enum.IntEnum):
    """Fate of the tasks still queued when a stop begins."""

    DRAIN = _api.PROBE_DRAIN
    """Run every queued task, then stop."""
    KEEP = _api.PROBE_KEEP
    """Leave queued tasks for a later ``start()``."""
    DISCARD = _api.PROBE_DISCARD
    """Drop queued tasks; they go to the ``discard`` callable."""


DRAIN = StopMode.DRAIN
KEEP = StopMode.KEEP
DISCARD = StopMode.DISCARD


def _stop_mode(mode: Union[str, int]) -> int:
    if isinstance(mode, str):
        try:
            return StopMode[mode.upper()]
        except KeyError:
            raise ValueError(f"stop mode must be 'drain', 'keep' or "
                             f"'discard', not {mode!r}") from None
    try:
        return StopMode(mode)
    except ValueError:
        raise ValueError(f"stop mode must be a StopMode, not {mode!r}") \
            from None


_METRIC_NAMES = tuple(_api.probe_metric_name(i)
                      for i in range(_api.PROBE_METRIC_COUNT))

_MetricsBase = collections.namedtuple(  # type: ignore[misc]
    "_MetricsBase", _METRIC_NAMES)


class Metrics(_MetricsBase):
    """A snapshot of a pool's counters, as a named tuple.

    Fields follow the C library's ``probe_metric`` order: submitted,
    completed, failed, rejected, discarded, cancelled, queued, active,
    workers, idle, peak_queued.  When the pool is quiet, submitted equals
    completed + discarded + cancelled + queued + active.
    """

    __slots__ = ()


def version() -> str:
    """Return the C library's version, "MAJOR.MINOR.PATCH"."""
    return _api.probe_version()


__version__ = version()


def current_id() -> Optional[str]:
    """Return the ID of the worker running the calling task, or None."""
    return _api.probe_current_id()


def current_context() -> Optional["Context"]:
    """Return the context that stops the calling task, or None outside one.

    For a group task this is the group's context.  Poll ``done`` in long
    tasks to notice a stop or a cancel.
    """
    ptr = _api.probe_current_ctx()
    if ptr is None:
        return None
    return Context._own(_api.probe_ctx_ref(ptr))


# ---------------------------------------------------------------------
# Contexts
# ---------------------------------------------------------------------


class Context:
    """A cancellation signal shared by a tree of contexts.

    ``Context()`` makes a root; ``Context(timeout=5)`` one that cancels
    itself after 5 seconds.  Cancelling a context cancels every
    descendant, and every probe and pool running under it stops (queued
    tasks are kept, as with ``KEEP``).
    """

    __slots__ = ("_ptr", "__weakref__")

    def __init__(self, *, timeout: Optional[float] = None,
                 parent: Optional["Context"] = None) -> None:
        self._ptr = None
        if timeout is not None:
            ms = _timeout_ms(timeout)
            ptr = _api.probe_ctx_new_timeout(
                parent._ptr if parent is not None else None, ms)
        elif parent is not None:
            ptr = _api.probe_ctx_new_child(parent._ptr)
        else:
            ptr = _api.probe_ctx_new()
        if ptr is None:
            raise _error(_api.probe_last_error(), "Context")
        self._ptr = ptr

    @classmethod
    def _own(cls, ptr: Any) -> "Context":
        ctx = cls.__new__(cls)
        ctx._ptr = ptr
        return ctx

    def child(self, timeout: Optional[float] = None) -> "Context":
        """Return a new child, cancelled with this context or on its own
        deadline ``timeout`` seconds from now."""
        return Context(timeout=timeout, parent=self)

    def cancel(self) -> None:
        """Cancel this context and its descendants.  Idempotent."""
        _check(_api.probe_ctx_cancel(self._ptr), "Context.cancel")

    @property
    def done(self) -> bool:
        """True once the context is cancelled or its deadline passed."""
        return bool(_api.probe_ctx_done(self._ptr))

    @property
    def error(self) -> Optional[Error]:
        """None while live, else ``Cancelled`` or ``Timeout`` (deadline)."""
        code = _api.probe_ctx_err(self._ptr)
        if code == _api.PROBE_OK:
            return None
        cls = _ERRORS.get(code, Error)
        return cls(f"context: {_api.probe_strerror(code)}", code)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until cancelled or ``timeout`` seconds pass (None: no
        limit).  Returns True when cancelled, False on timeout, like
        :meth:`threading.Event.wait`."""
        rc = _ext.pyprobe_ctx_wait(self._ptr, _timeout_ms(timeout))
        if rc == _api.PROBE_ETIMEDOUT:
            return False
        _check(rc, "Context.wait")
        return True

    def fileno(self) -> int:
        """Return a descriptor that turns readable once cancelled.

        It suits ``select``, ``selectors`` and ``loop.add_reader``.  The
        context owns it: do not read from it or close it.
        """
        fd = _api.probe_ctx_fd(self._ptr)
        _check(fd, "Context.fileno")
        return fd

    def __del__(self) -> None:
        if getattr(self, "_ptr", None) is not None:
            _api.probe_ctx_free(self._ptr)
            self._ptr = None

    def __repr__(self) -> str:
        state = "done" if self.done else "live"
        return f"<probe.Context {state}>"


# ---------------------------------------------------------------------
# Logging and error reports
# ---------------------------------------------------------------------

_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__)
_RESERVED |= {"message", "asctime"}

#: Type of a plain log callable: ``fn(level, message, attrs)``.
LogFunction = Callable[[int, str, dict], Any]


def _extra(attrs: dict) -> dict:
    """Turn record attributes into ``extra=`` fields, renaming clashes."""
    return {("probe_" + k if k in _RESERVED else k): v
            for k, v in attrs.items()}


def _log_callable(logger: Any) -> Optional[LogFunction]:
    if logger is None:
        return None
    if isinstance(logger, (logging.Logger, logging.LoggerAdapter)):
        def log(level: int, message: str, attrs: dict) -> None:
            if logger.isEnabledFor(level):
                logger.log(level, message, extra=_extra(attrs))
        return log
    if callable(logger):
        return logger
    raise TypeError(f"logger must be a logging.Logger or a callable, not "
                    f"{type(logger).__name__}")


def _report_callable(logger: Any) -> Optional[Callable]:
    """Return how a task's exception is reported (None: unraisablehook)."""
    if logger is None:
        return None
    if isinstance(logger, (logging.Logger, logging.LoggerAdapter)):
        def report(exc: BaseException, fn: Any) -> None:
            logger.error("task %r raised %s: %s", fn, type(exc).__name__,
                         exc, exc_info=exc,
                         extra={"source": "python", "id": current_id()})
        return report

    def report_to_callable(exc: BaseException, fn: Any) -> None:
        text = "".join(traceback.format_exception(type(exc), exc,
                                                  exc.__traceback__))
        logger(logging.ERROR, f"task {fn!r} raised {type(exc).__name__}: "
               f"{exc}\n{text}", {"source": "python",
                                  "id": current_id() or ""})
    return report_to_callable


def _hook(fn: Optional[Callable[[], Any]], name: str) -> Optional[Callable]:
    if fn is not None and not callable(fn):
        raise TypeError(f"{name} must be callable or None, not "
                        f"{type(fn).__name__}")
    return fn


def _positive_int(value: Any, name: str) -> int:
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, not "
                        f"{type(value).__name__}") from None
    if number < 0:
        raise ValueError(f"{name} must be 0 or more, not {number}")
    return number


# ---------------------------------------------------------------------
# Probes and pools
# ---------------------------------------------------------------------

_run = _ext.pyprobe_run

_EngineT = TypeVar("_EngineT", bound="_Engine")


class _Engine:
    """Base of Probe and Pool: submit, stop, start and close."""

    _is_probe = 0
    _kind = "pool"

    def __init__(self, size: int, buffer: int, context: Optional[Context],
                 logger: Any, *, min_size: int = 0,
                 idle_timeout: Optional[float] = None, stack_size: int = 0,
                 name: Optional[str] = None,
                 init: Optional[Callable[[], Any]] = None,
                 fini: Optional[Callable[[], Any]] = None,
                 discard: Optional[Callable[..., Any]] = None,
                 log_level: int = logging.DEBUG) -> None:
        self._h = None
        if context is not None and not isinstance(context, Context):
            raise TypeError(f"context must be a probe.Context or None, not "
                            f"{type(context).__name__}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str, not {type(name).__name__}")
        idle_ms = 0 if idle_timeout is None else _timeout_ms(
            idle_timeout, "idle_timeout")
        options = [
            (_api.PROBE_OPT_SIZE, _positive_int(size, "size")),
            (_api.PROBE_OPT_BUFFER, _positive_int(buffer, "buffer")),
            (_api.PROBE_OPT_MIN_SIZE, _positive_int(min_size, "min_size")),
            (_api.PROBE_OPT_IDLE_TIMEOUT_MS, idle_ms),
            (_api.PROBE_OPT_STACK_SIZE,
             _positive_int(stack_size, "stack_size")),
        ]
        log = _log_callable(logger)
        report = _report_callable(logger)
        self._report = report
        init = _hook(init, "init")
        fini = _hook(fini, "fini")
        discard = _hook(discard, "discard")
        call = type(self).__name__
        cfg = _api.probe_config_new()
        if cfg is None:
            raise NoMemory(f"{call}: out of memory")
        try:
            for option, value in options:
                _check(_api.probe_config_set(cfg, option, value),
                       f"{call}: {_option_name(option)}={value}")
            if context is not None:
                _check(_api.probe_config_set_ctx(cfg, context._ptr), call)
            if name is not None:
                _check(_api.probe_config_set_name(cfg, name),
                       f"{call}: name={name!r}")
            self._h = _ext.pyprobe_new(self._is_probe, cfg, log,
                                       int(log_level), discard, init, fini,
                                       report)
        finally:
            _api.probe_config_free(cfg)
        if self._h is None:
            if _ext.pyprobe_exiting():
                raise Stopped(f"{call}: the interpreter is exiting",
                              _api.PROBE_ESTOPPED)
            raise _error(_api.probe_last_error(), call)

    def run(self, fn: Callable[..., Any], /, *args: Any,
            **kwargs: Any) -> None:
        """Queue ``fn(*args, **kwargs)``, waiting while the queue is full.

        The task's return value is dropped.  An exception it raises is
        logged through ``logger`` (else ``sys.unraisablehook``) and counted
        as failed.  Raises :class:`Stopped` or :class:`Cancelled` when the
        pool is stopped or its context cancelled, :class:`Deadlock` from
        one of its own tasks when the queue is full.
        """
        rc = _run(self._h, fn, args, kwargs or None, None, -1)
        if rc:
            raise _error(rc, f"{self._kind}.run")

    def try_run(self, fn: Callable[..., Any], /, *args: Any,
                **kwargs: Any) -> None:
        """As :meth:`run`, but raise :class:`Full` instead of waiting."""
        rc = _run(self._h, fn, args, kwargs or None, None, 0)
        if rc:
            raise _error(rc, f"{self._kind}.try_run")

    def run_timed(self, timeout: Optional[float], fn: Callable[..., Any],
                  /, *args: Any, **kwargs: Any) -> None:
        """As :meth:`run`, but raise :class:`Timeout` when no slot frees up
        within ``timeout`` seconds."""
        rc = _run(self._h, fn, args, kwargs or None, None,
                  _timeout_ms(timeout))
        if rc:
            raise _error(rc, f"{self._kind}.run_timed")

    def stop(self, mode: Union[str, StopMode] = DRAIN, wait: bool = True,
             timeout: Optional[float] = None) -> None:
        """Stop after the running tasks finish.

        ``mode`` decides the fate of queued tasks: "drain" runs them,
        "keep" leaves them for :meth:`start`, "discard" hands them to the
        ``discard`` callable.  With ``wait`` the call returns once every
        worker exited, raising :class:`Timeout` after ``timeout`` seconds
        (the stop goes on and may be repeated).  Idempotent.  From one of
        its own tasks only ``wait=False`` works, else it raises
        :class:`Deadlock`.
        """
        code = _stop_mode(mode)
        ms = _timeout_ms(timeout) if wait else 0
        _check(_ext.pyprobe_stop(self._h, code, ms), f"{self._kind}.stop")

    def start(self) -> None:
        """Start again after a stop; tasks kept by ``KEEP`` then run."""
        _check(_ext.pyprobe_start(self._h), f"{self._kind}.start")

    def close(self) -> None:
        """Stop (keeping queued tasks), wait for the workers and free the
        handle; queued tasks go to ``discard``.  Later calls raise
        :class:`Stopped`.  Called when the object is collected."""
        h, self._h = self._h, None
        if h is not None:
            _ext.pyprobe_free(h)

    def __del__(self) -> None:
        if getattr(self, "_h", None) is not None:
            self.close()

    def __enter__(self: _EngineT) -> _EngineT:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """Drain and stop; discard the queue when the block raised."""
        if self._h is not None:
            self.stop(DRAIN if exc_type is None else DISCARD, wait=True)

    def _handle(self) -> Any:
        if self._h is None:
            raise Stopped(f"{self._kind}: closed", _api.PROBE_ESTOPPED)
        return self._h


class Probe(_Engine):
    """One long-lived worker thread running the functions handed to it.

    ``buffer`` is the number of queue slots; 0 hands each task over
    directly, so :meth:`run` returns once the worker took it.  The other
    arguments are those of :class:`Pool`.
    """

    _is_probe = 1
    _kind = "probe"

    def __init__(self, buffer: int = 0, context: Optional[Context] = None,
                 logger: Any = None, **options: Any) -> None:
        super().__init__(1, buffer, context, logger, **options)

    @property
    def running(self) -> bool:
        """True while the worker thread runs."""
        return bool(_api.probe_running(
            _ext.pyprobe_probe(self._handle())))

    @property
    def idle(self) -> bool:
        """True while the worker runs and executes no task."""
        return bool(_api.probe_idle(_ext.pyprobe_probe(self._handle())))

    @property
    def id(self) -> str:
        """The probe's ID, unique in the process, stable across restarts."""
        return _api.probe_id(_ext.pyprobe_probe(self._handle()))

    def __repr__(self) -> str:
        if self._h is None:
            return "<probe.Probe closed>"
        return f"<probe.Probe {self.id} running={self.running}>"


class Pool(_Engine):
    """Worker threads sharing one bounded queue.

    :param size: number of workers (0 means the library default, 8).
    :param buffer: queue slots (0 means 64); :meth:`run` waits while full.
    :param context: a :class:`Context` whose cancel stops the pool.
    :param logger: a :class:`logging.Logger`, or ``fn(level, message,
        attrs)``; gets the library's records and task exceptions.
    :param min_size: workers kept when idle ones expire.
    :param idle_timeout: seconds after which idle workers retire (None:
        never).
    :param stack_size: worker stack in bytes (0: the system default).
    :param name: worker thread name prefix (at most 15 characters).
    :param init: called on each new worker before its first task; if it
        raises, the start fails with :class:`InitFailed`.
    :param fini: called on each worker as it exits.
    :param discard: ``fn(task, args, kwargs)`` for each queued task that
        will never run (a discarding stop, or :meth:`close`).
    :param log_level: lowest level of library records passed on.

    ``with Pool(4) as pool:`` drains and stops the pool at the end of the
    block.
    """

    def __init__(self, size: int = 8, buffer: int = 64,
                 context: Optional[Context] = None, logger: Any = None,
                 **options: Any) -> None:
        super().__init__(size, buffer, context, logger, **options)

    def wait(self, timeout: Optional[float] = None) -> None:
        """Wait until every task submitted so far finished, was discarded
        or cancelled, without stopping the pool.  Raises :class:`Timeout`,
        :class:`Stopped` (stopped with tasks still queued) or
        :class:`Deadlock` (from one of its own tasks)."""
        _check(_ext.pyprobe_wait(self._h, _timeout_ms(timeout)),
               "pool.wait")

    def resize(self, size: int) -> None:
        """Change the number of workers; busy ones finish their task."""
        _check(_ext.pyprobe_resize(self._h, _positive_int(size, "size")),
               "pool.resize")

    def metrics(self) -> Metrics:
        """Return a snapshot of the pool's counters."""
        values = _ext.pyprobe_metrics(self._handle())
        if isinstance(values, int):
            raise _error(values, "pool.metrics")
        return Metrics(*values)

    def submit(self, fn: Callable[..., Any], /, *args: Any,
               **kwargs: Any) -> "Future":
        """Queue ``fn(*args, **kwargs)`` and return a :class:`Future` for
        its result.  The exception of a failed call goes to the future,
        not to the logger, and is not counted as failed."""
        if not callable(fn):
            raise TypeError(f"task must be callable, not "
                            f"{type(fn).__name__}")
        cell: list = [None, None]
        ptr = _ext.pyprobe_submit(self._handle(), fn, args, kwargs or None,
                                  cell)
        if ptr is None:
            code = _api.probe_last_error()
            raise _error(code if code < 0 else _api.PROBE_ENOMEM,
                         "pool.submit")
        return Future(ptr, cell)

    def group(self, cancel_on_error: bool = False) -> "Group":
        """Return a new :class:`Group` of tasks on this pool."""
        return Group(self, cancel_on_error)

    @property
    def size(self) -> int:
        """The configured number of workers."""
        return _api.pool_size(_ext.pyprobe_pool(self._handle()))

    @property
    def running(self) -> int:
        """The number of live worker threads."""
        return _api.pool_running(_ext.pyprobe_pool(self._handle()))

    @property
    def idle(self) -> int:
        """The number of live workers executing no task."""
        return _api.pool_idle(_ext.pyprobe_pool(self._handle()))

    @property
    def id(self) -> str:
        """The pool's ID, unique in the process."""
        return _api.pool_id(_ext.pyprobe_pool(self._handle()))

    def __repr__(self) -> str:
        if self._h is None:
            return "<probe.Pool closed>"
        return (f"<probe.Pool {self.id} size={self.size} "
                f"running={self.running}>")


# ---------------------------------------------------------------------
# Futures and groups
# ---------------------------------------------------------------------


class Future:
    """The result of :meth:`Pool.submit`, backed by a C future."""

    __slots__ = ("_ptr", "_cell", "__weakref__")

    def __init__(self, ptr: Any, cell: list) -> None:
        self._ptr = ptr
        self._cell = cell

    def _status(self) -> int:
        return _api.probe_future_status(self._ptr)

    def result(self, timeout: Optional[float] = None) -> Any:
        """Wait and return the call's result, or raise its exception.
        Raises :class:`Timeout`, or :class:`Cancelled` when the call will
        never run."""
        exc = self.exception(timeout)
        if exc is not None:
            raise exc
        return self._cell[0]

    def exception(self, timeout: Optional[float] = None) \
            -> Optional[BaseException]:
        """Wait and return the call's exception, or None if it returned."""
        _check(_ext.pyprobe_future_wait(self._ptr, _timeout_ms(timeout)),
               "Future.result")
        if self._status() != _api.PROBE_FUTURE_DONE:
            raise Cancelled("Future.result: the call was cancelled or "
                            "discarded", _api.PROBE_ECANCELED)
        return self._cell[1]

    def cancel(self) -> bool:
        """Cancel the call if it has not started.  Returns True if it will
        never run, False once it runs or finished."""
        rc = _api.probe_future_cancel(self._ptr)
        if rc == _api.PROBE_EBUSY:
            return self.cancelled()
        _check(rc, "Future.cancel")
        return True

    def done(self) -> bool:
        """True once the call finished, was cancelled or discarded."""
        return self._status() >= _api.PROBE_FUTURE_DONE

    def running(self) -> bool:
        """True while the call runs."""
        return self._status() == _api.PROBE_FUTURE_RUNNING

    def cancelled(self) -> bool:
        """True if the call was cancelled or discarded."""
        return self._status() in (_api.PROBE_FUTURE_CANCELLED,
                                  _api.PROBE_FUTURE_DISCARDED)

    def __del__(self) -> None:
        if getattr(self, "_ptr", None) is not None:
            _api.probe_future_free(self._ptr)
            self._ptr = None

    def __repr__(self) -> str:
        names = {1: "queued", 2: "running", 3: "done", 4: "cancelled",
                 5: "discarded"}
        return f"<probe.Future {names.get(self._status(), '?')}>"


def _group_report(errors: list, forward: Optional[Callable]) -> Callable:
    """Return a reporter keeping a group's first exception.  It holds no
    reference to the group, so queued tasks do not keep the group alive."""
    def report(exc: BaseException, fn: Any) -> None:
        if not errors:
            errors.append(exc)
        if forward is not None:
            forward(exc, fn)
    return report


class Group:
    """Tasks submitted together and waited for together.

    ``with pool.group() as g:`` waits for the group at the end of the block
    and raises the first exception a task raised.  With
    ``cancel_on_error`` the first failure cancels the group's context, so
    its queued tasks do not run.
    """

    def __init__(self, pool: Pool, cancel_on_error: bool = False) -> None:
        self._ptr = None
        self._pool = pool
        flags = _api.PROBE_GROUP_CANCEL_ON_ERROR if cancel_on_error else 0
        ptr = _api.pool_group_new(_ext.pyprobe_pool(pool._handle()), flags)
        if ptr is None:
            code = _api.probe_last_error()
            raise _error(code if code < 0 else _api.PROBE_ESTOPPED,
                         "pool.group")
        self._ptr = ptr
        self._errors: list = []
        self._report = _group_report(self._errors, pool._report)

    def run(self, fn: Callable[..., Any], /, *args: Any,
            **kwargs: Any) -> None:
        """Queue ``fn(*args, **kwargs)`` in the group, waiting while the
        pool's queue is full.  Raises :class:`Cancelled` once the group is
        cancelled."""
        rc = _ext.pyprobe_group_run(self._pool._handle(), self._ptr, fn,
                                    args, kwargs or None, self._report)
        if rc:
            raise _error(rc, "group.run")

    def wait(self, timeout: Optional[float] = None) -> None:
        """Wait until every task of the group finished or was cancelled.
        The group may be reused afterwards."""
        _check(_ext.pyprobe_group_wait(self._ptr, _timeout_ms(timeout)),
               "group.wait")

    def cancel(self) -> None:
        """Cancel the group: its queued tasks will not run."""
        _check(_api.probe_group_cancel(self._ptr), "group.cancel")

    @property
    def exception(self) -> Optional[BaseException]:
        """The first exception a task of the group raised, or None."""
        return self._errors[0] if self._errors else None

    @property
    def failed(self) -> bool:
        """True once a task of the group failed."""
        return _api.probe_group_error(self._ptr) != 0

    @property
    def context(self) -> Context:
        """The group's context, a child of the pool's run context."""
        return Context._own(_api.probe_ctx_ref(
            _api.probe_group_ctx(self._ptr)))

    def __enter__(self) -> "Group":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.cancel()
        self.wait()
        if exc_type is None and self._errors:
            raise self._errors[0]

    def __del__(self) -> None:
        if getattr(self, "_ptr", None) is not None:
            _api.probe_group_free(self._ptr)
            self._ptr = None


# ---------------------------------------------------------------------
# concurrent.futures
# ---------------------------------------------------------------------


def _run_future(future: _cf.Future, fn: Callable, args: tuple,
                kwargs: dict) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:
        future.set_exception(exc)
    else:
        future.set_result(result)


def _cancel_discarded(fn: Callable, args: tuple, kwargs: Any) -> None:
    if fn is _run_future:
        args[0].cancel()


class Executor(_cf.Executor):
    """A :class:`concurrent.futures.Executor` running on a :class:`Pool`.

    ``submit`` returns a :class:`concurrent.futures.Future`; ``map``,
    ``shutdown(wait, cancel_futures=...)`` and the ``with`` statement work
    as with :class:`~concurrent.futures.ThreadPoolExecutor`, so
    ``loop.run_in_executor(executor, fn)`` works in asyncio.  Unlike
    ThreadPoolExecutor, every worker starts at once, and ``submit`` waits
    while the pool's queue of ``buffer`` slots is full.  Other keyword
    arguments go to :class:`Pool`.
    """

    def __init__(self, max_workers: Optional[int] = None,
                 thread_name_prefix: str = "",
                 initializer: Optional[Callable[..., Any]] = None,
                 initargs: tuple = (), *, buffer: int = 64,
                 **pool_options: Any) -> None:
        if max_workers is None:
            max_workers = min(32, (os.cpu_count() or 1) + 4)
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        if initializer is not None:
            pool_options["init"] = lambda: initializer(*initargs)
        if thread_name_prefix:
            pool_options["name"] = thread_name_prefix[:15]
        self._shutdown = False
        self._shutdown_lock = threading.Lock()
        self._pool = Pool(max_workers, buffer, discard=_cancel_discarded,
                          **pool_options)

    def submit(self, fn: Callable[..., Any], /, *args: Any,
               **kwargs: Any) -> _cf.Future:
        """Queue ``fn(*args, **kwargs)`` and return its Future."""
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: _cf.Future = _cf.Future()
        try:
            self._pool.run(_run_future, future, fn, args, kwargs)
        except Stopped:
            raise RuntimeError("cannot schedule new futures after "
                               "shutdown") from None
        return future

    def shutdown(self, wait: bool = True, *,
                 cancel_futures: bool = False) -> None:
        """Stop accepting work, then run the queued calls, or cancel them
        with ``cancel_futures``.  With ``wait``, return once all have
        finished."""
        with self._shutdown_lock:
            self._shutdown = True
        self._pool.stop(DISCARD if cancel_futures else DRAIN, wait=wait)

    @property
    def pool(self) -> Pool:
        """The :class:`Pool` doing the work."""
        return self._pool


# ---------------------------------------------------------------------
# Interpreter exit
# ---------------------------------------------------------------------


def _option_name(option: int) -> str:
    names = {_api.PROBE_OPT_SIZE: "size", _api.PROBE_OPT_BUFFER: "buffer",
             _api.PROBE_OPT_MIN_SIZE: "min_size",
             _api.PROBE_OPT_IDLE_TIMEOUT_MS: "idle_timeout",
             _api.PROBE_OPT_STACK_SIZE: "stack_size"}
    return names.get(option, str(option))


def _stop_all_at_exit() -> None:
    _ext.pyprobe_atexit(_timeout_ms(exit_timeout, "exit_timeout"))


atexit.register(_stop_all_at_exit)
