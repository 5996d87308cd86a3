"""Logging, exception reports, hooks and discards: Python called from
worker threads."""

import logging
import sys
import threading
import unittest

import probe
from helpers import BOUND


class ListHandler(logging.Handler):
    """Collects records; ``seen`` is set once one satisfies ``match``."""

    def __init__(self, match=None):
        super().__init__(logging.DEBUG)
        self.records = []
        self.match = match
        self.seen = threading.Event()

    def emit(self, record):
        self.records.append(record)
        if self.match is not None and self.match(record):
            self.seen.set()


def make_logger(name, handler):
    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.handlers[:] = [handler]
    return logger


class LoggerTest(unittest.TestCase):

    def test_records_reach_logging(self):
        handler = ListHandler()
        logger = make_logger("probe.test.records", handler)
        with probe.Pool(2, logger=logger) as pool:
            pool_id = pool.id
        started = [r for r in handler.records
                   if r.getMessage().startswith("started with")]
        self.assertEqual(len(started), 1)
        record = started[0]
        self.assertEqual(record.levelno, logging.INFO)
        self.assertEqual(record.source, "pool")
        self.assertEqual(record.id, pool_id)
        debug = [r for r in handler.records if r.levelno == logging.DEBUG]
        self.assertTrue(debug)

    def test_level_filters_records(self):
        handler = ListHandler()
        logger = make_logger("probe.test.level", handler)
        logger.setLevel(logging.INFO)
        with probe.Pool(1, logger=logger):
            pass
        self.assertTrue(handler.records)
        self.assertTrue(all(r.levelno >= logging.INFO
                            for r in handler.records))

    def test_levels_match_python(self):
        self.assertEqual(probe.capi.PROBE_LOG_DEBUG, logging.DEBUG)
        self.assertEqual(probe.capi.PROBE_LOG_INFO, logging.INFO)
        self.assertEqual(probe.capi.PROBE_LOG_WARN, logging.WARNING)
        self.assertEqual(probe.capi.PROBE_LOG_ERROR, logging.ERROR)

    def test_plain_callable_logger(self):
        calls = []
        with probe.Pool(1, logger=lambda *args: calls.append(args)):
            pass
        levels = {level for level, _, _ in calls}
        self.assertIn(logging.INFO, levels)
        _, message, attrs = calls[0]
        self.assertIsInstance(message, str)
        self.assertIn("source", attrs)
        self.assertIn("id", attrs)

    def test_raising_logger_is_unraisable(self):
        caught = []
        old_hook = sys.unraisablehook
        sys.unraisablehook = caught.append
        try:
            with probe.Pool(1, logger=lambda *a: 1 / 0):
                pass
        finally:
            sys.unraisablehook = old_hook
        self.assertTrue(caught)
        self.assertIsInstance(caught[0].exc_value, ZeroDivisionError)


class TaskExceptionTest(unittest.TestCase):

    def test_exception_logged_and_counted(self):
        handler = ListHandler(lambda r: r.levelno == logging.ERROR)
        logger = make_logger("probe.test.raise", handler)

        def fail():
            raise ValueError("bad input 42")

        with probe.Pool(1, logger=logger) as pool:
            pool.run(fail)
            self.assertTrue(handler.seen.wait(BOUND))
            pool.wait(BOUND)
            ran = threading.Event()
            pool.run(ran.set)
            self.assertTrue(ran.wait(BOUND))
            self.assertEqual(pool.running, 1)
            metrics = pool.metrics()
        self.assertEqual(metrics.failed, 1)
        record = [r for r in handler.records
                  if r.levelno == logging.ERROR][0]
        self.assertIn("bad input 42", record.getMessage())
        self.assertIs(record.exc_info[0], ValueError)
        self.assertEqual(record.source, "python")
        self.assertIsInstance(record.id, str)

    def test_without_logger_uses_unraisablehook(self):
        caught = []
        old_hook = sys.unraisablehook
        sys.unraisablehook = caught.append
        try:
            with probe.Pool(1) as pool:
                pool.run(int, "not a number")
                pool.wait(BOUND)
                metrics = pool.metrics()
        finally:
            sys.unraisablehook = old_hook
        self.assertEqual(len(caught), 1)
        self.assertIsInstance(caught[0].exc_value, ValueError)
        self.assertIs(caught[0].object, int)
        self.assertEqual(metrics.failed, 1)

    def test_base_exceptions_reported(self):
        caught = []
        old_hook = sys.unraisablehook
        sys.unraisablehook = caught.append
        try:
            with probe.Pool(1) as pool:
                pool.run(sys.exit, 3)
                pool.wait(BOUND)
                self.assertEqual(pool.running, 1)
        finally:
            sys.unraisablehook = old_hook
        self.assertIsInstance(caught[0].exc_value, SystemExit)


class HookTest(unittest.TestCase):

    def test_init_and_fini_on_each_worker(self):
        inits, finis = [], []
        lock = threading.Lock()

        def init():
            with lock:
                inits.append(threading.get_ident())

        def fini():
            with lock:
                finis.append(threading.get_ident())

        with probe.Pool(3, init=init, fini=fini) as pool:
            self.assertEqual(len(inits), 3)
        self.assertEqual(sorted(inits), sorted(finis))
        self.assertEqual(len(set(inits)), 3)
        self.assertEqual(pool.running, 0)

    def test_init_failure_raises(self):
        caught = []
        old_hook = sys.unraisablehook
        sys.unraisablehook = caught.append
        try:
            with self.assertRaises(probe.InitFailed):
                probe.Pool(2, init=lambda: 1 / 0)
        finally:
            sys.unraisablehook = old_hook
        self.assertTrue(caught)

    def test_thread_local_survives_tasks(self):
        local = threading.local()
        values = []

        def task():
            local.count = getattr(local, "count", 0) + 1
            values.append(local.count)

        with probe.Probe() as p:
            for _ in range(5):
                p.run(task)
        self.assertEqual(values, [1, 2, 3, 4, 5])

    def test_bad_hook_type(self):
        with self.assertRaises(TypeError):
            probe.Pool(1, init=3)


class DiscardTest(unittest.TestCase):

    def test_close_discards_queue(self):
        gate = threading.Event()
        started = threading.Event()
        dropped = []

        def block():
            started.set()
            gate.wait(BOUND)

        pool = probe.Pool(1, 8, discard=lambda fn, a, kw: dropped.append(kw))
        pool.run(block)
        self.assertTrue(started.wait(BOUND))
        pool.run(print, end="")
        pool.stop("keep", wait=False)
        gate.set()
        pool.close()
        self.assertEqual(dropped, [{"end": ""}])

    def test_raising_discard_is_reported(self):
        gate = threading.Event()
        started = threading.Event()
        caught = []

        def block():
            started.set()
            gate.wait(BOUND)

        old_hook = sys.unraisablehook
        sys.unraisablehook = caught.append
        try:
            pool = probe.Pool(1, 8, discard=lambda *a: [][1])
            pool.run(block)
            self.assertTrue(started.wait(BOUND))
            pool.run(print)
            pool.stop("discard", wait=False)
            gate.set()
            pool.stop(timeout=BOUND)
        finally:
            sys.unraisablehook = old_hook
        self.assertIsInstance(caught[0].exc_value, IndexError)


if __name__ == "__main__":
    unittest.main()
