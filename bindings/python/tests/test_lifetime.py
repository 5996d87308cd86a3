"""References, memory, the GIL during waits, self-freeing pools and
interpreter exit."""

import gc
import sys
import threading
import tracemalloc
import unittest
import weakref

import probe
from helpers import BOUND, run_child

SUBMISSIONS = 100_000


def noop(*args, **kwargs):
    pass


class ReferenceTest(unittest.TestCase):

    def test_run_refcounts_flat(self):
        arg, value = object(), object()
        before = (sys.getrefcount(noop), sys.getrefcount(arg),
                  sys.getrefcount(value))
        with probe.Pool(4, 256) as pool:
            for _ in range(SUBMISSIONS):
                pool.run(noop, arg, key=value)
        after = (sys.getrefcount(noop), sys.getrefcount(arg),
                 sys.getrefcount(value))
        self.assertEqual(pool.metrics().completed, SUBMISSIONS)
        self.assertEqual(before, after)

    def test_run_memory_flat(self):
        arg = object()
        with probe.Pool(4, 256) as pool:
            for _ in range(1000):
                pool.run(noop, arg)
            pool.wait(BOUND)
            gc.collect()
            tracemalloc.start()
            try:
                start, _ = tracemalloc.get_traced_memory()
                for _ in range(SUBMISSIONS):
                    pool.run(noop, arg)
                pool.wait(BOUND)
                gc.collect()
                end, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        self.assertLess(end - start, 64 * 1024,
                        f"traced memory grew by {end - start} bytes")

    def test_discarded_tasks_release_references(self):
        gate = threading.Event()
        started = threading.Event()
        arg = object()

        def block():
            started.set()
            gate.wait(BOUND)

        before = sys.getrefcount(arg)
        pool = probe.Pool(1, 64)
        pool.run(block)
        self.assertTrue(started.wait(BOUND))
        for _ in range(50):
            pool.run(noop, arg)
        self.assertEqual(sys.getrefcount(arg), before + 50)
        pool.stop("discard", wait=False)
        gate.set()
        pool.stop(timeout=BOUND)
        self.assertEqual(sys.getrefcount(arg), before)
        self.assertEqual(pool.metrics().discarded, 50)

    def test_closed_pool_releases_kept_tasks(self):
        gate = threading.Event()
        started = threading.Event()
        arg = object()

        def block():
            started.set()
            gate.wait(BOUND)

        before = sys.getrefcount(arg)
        pool = probe.Pool(1, 64)
        pool.run(block)
        self.assertTrue(started.wait(BOUND))
        for _ in range(10):
            pool.run(noop, arg)
        pool.stop("keep", wait=False)
        gate.set()
        del pool
        gc.collect()
        self.assertEqual(sys.getrefcount(arg), before)

    def test_futures_refcounts_flat(self):
        arg = object()
        before = sys.getrefcount(arg)
        with probe.Pool(2) as pool:
            for _ in range(10_000):
                self.assertIs(pool.submit(lambda x: x, arg).result(BOUND),
                              arg)
            cancelled = []
            gate = threading.Event()
            started = threading.Event()

            def block():
                started.set()
                gate.wait(BOUND)

            pool.run(block)
            pool.run(block)
            self.assertTrue(started.wait(BOUND))
            for _ in range(10):
                future = pool.submit(noop, arg)
                self.assertTrue(future.cancel())
                cancelled.append(future)
            gate.set()
        del cancelled, future
        self.assertEqual(sys.getrefcount(arg), before)

    def test_callable_alive_until_run(self):
        ran = threading.Event()
        gate = threading.Event()
        started = threading.Event()

        class Task:
            def __call__(self):
                ran.set()

        def block():
            started.set()
            gate.wait(BOUND)

        with probe.Pool(1) as pool:
            pool.run(block)
            self.assertTrue(started.wait(BOUND))
            task = Task()
            ref = weakref.ref(task)
            pool.run(task)
            del task
            gc.collect()
            self.assertIsNotNone(ref())
            gate.set()
            self.assertTrue(ran.wait(BOUND))
            pool.wait(BOUND)
        gc.collect()
        self.assertIsNone(ref())


class SelfFreeTest(unittest.TestCase):

    def test_last_reference_dies_on_own_worker(self):
        freed = threading.Event()
        dropped = threading.Event()

        def log(level, message, attrs):
            if message == "freed":
                freed.set()

        holder = [probe.Pool(2, logger=log)]
        ref = weakref.ref(holder[0])

        def task():
            holder.clear()
            dropped.set()

        holder[0].run(task)
        self.assertTrue(dropped.wait(BOUND))
        self.assertTrue(freed.wait(BOUND))
        self.assertIsNone(ref())

    def test_probe_freed_from_own_task(self):
        freed = threading.Event()

        def log(level, message, attrs):
            if message == "freed":
                freed.set()

        holder = [probe.Probe(logger=log)]
        holder[0].run(holder.clear)
        self.assertTrue(freed.wait(BOUND))


class GilReleaseTest(unittest.TestCase):
    """Each blocking call must let other Python threads run: the task it
    waits for is released by a Python thread that needs the GIL."""

    def setUp(self):
        self.started = threading.Event()
        self.release = threading.Event()
        self.helper = threading.Thread(target=self._release_when_started)
        self.pool = probe.Pool(1, 2)
        self.addCleanup(self.pool.close)
        self.addCleanup(self.release.set)

    def _release_when_started(self):
        self.started.wait(BOUND)
        self.release.set()

    def block(self):
        self.started.set()
        self.release.wait(BOUND)
        return "released"

    def test_pool_wait(self):
        self.pool.run(self.block)
        self.helper.start()
        self.pool.wait(BOUND)
        self.assertTrue(self.release.is_set())

    def test_stop_wait(self):
        self.pool.run(self.block)
        self.helper.start()
        self.pool.stop(timeout=BOUND)
        self.assertTrue(self.release.is_set())

    def test_future_result(self):
        future = self.pool.submit(self.block)
        self.helper.start()
        self.assertEqual(future.result(BOUND), "released")

    def test_group_wait(self):
        group = self.pool.group()
        group.run(self.block)
        self.helper.start()
        group.wait(BOUND)
        self.assertTrue(self.release.is_set())

    def test_blocked_run(self):
        self.pool.run(self.block)
        self.pool.run(noop)
        self.pool.run(noop)
        self.helper.start()
        self.pool.run(noop)
        self.pool.wait(BOUND)
        self.assertTrue(self.release.is_set())

    def test_executor_result(self):
        with probe.Executor(1) as executor:
            future = executor.submit(self.block)
            self.helper.start()
            self.assertEqual(future.result(BOUND), "released")

    def test_context_wait(self):
        ctx = probe.Context()

        def cancel_when_started():
            self.started.wait(BOUND)
            ctx.cancel()

        helper = threading.Thread(target=cancel_when_started)
        helper.start()
        self.pool.run(self.started.set)
        self.assertTrue(ctx.wait(BOUND))
        helper.join(BOUND)


class ExitTest(unittest.TestCase):
    """The interpreter must exit promptly with live pools in any state."""

    RUNS = 15

    def check_exit(self, mode):
        for i in range(self.RUNS):
            result = run_child("exit_child.py", mode)
            self.assertEqual(result.returncode, 0,
                             f"{mode} run {i}: {result.stderr}")
            self.assertEqual(result.stdout.strip(), "exiting")
            self.assertNotIn("Fatal Python error", result.stderr)

    def test_exit_with_idle_pools(self):
        self.check_exit("idle")

    def test_exit_with_queued_tasks(self):
        self.check_exit("queued")

    def test_exit_with_running_tasks(self):
        self.check_exit("running")

    def test_exit_while_submitting(self):
        self.check_exit("submitting")

    def test_exit_with_logger(self):
        self.check_exit("logging")

    def test_exit_with_endless_task(self):
        self.check_exit("endless")


if __name__ == "__main__":
    unittest.main()
