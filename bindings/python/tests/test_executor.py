"""probe.Executor as a concurrent.futures.Executor and under asyncio."""

import asyncio
import concurrent.futures as cf
import threading
import unittest

import probe
from helpers import BOUND


class ExecutorTest(unittest.TestCase):

    def test_is_an_executor(self):
        self.assertTrue(issubclass(probe.Executor, cf.Executor))

    def test_submit_returns_future(self):
        with probe.Executor(2) as executor:
            future = executor.submit(pow, 3, 4)
            self.assertIsInstance(future, cf.Future)
            self.assertEqual(future.result(BOUND), 81)

    def test_exception_goes_to_future(self):
        with probe.Executor(2) as executor:
            future = executor.submit(int, "x")
            self.assertIsInstance(future.exception(BOUND), ValueError)
            with self.assertRaises(ValueError):
                future.result(BOUND)
        self.assertEqual(executor.pool.metrics().failed, 0)

    def test_map_keeps_order(self):
        with probe.Executor(4) as executor:
            results = list(executor.map(lambda x: x * x, range(200),
                                        timeout=BOUND))
        self.assertEqual(results, [x * x for x in range(200)])

    def test_as_completed(self):
        with probe.Executor(3) as executor:
            futures = [executor.submit(abs, -i) for i in range(20)]
            done = {f.result() for f in cf.as_completed(futures, BOUND)}
        self.assertEqual(done, set(range(20)))

    def test_submit_after_shutdown(self):
        executor = probe.Executor(1)
        executor.shutdown()
        with self.assertRaises(RuntimeError):
            executor.submit(int)
        executor.shutdown()

    def test_shutdown_cancel_futures(self):
        gate = threading.Event()
        started = threading.Event()

        def block():
            started.set()
            gate.wait(BOUND)

        executor = probe.Executor(1, buffer=16)
        first = executor.submit(block)
        self.assertTrue(started.wait(BOUND))
        queued = [executor.submit(int) for _ in range(5)]
        executor.shutdown(wait=False, cancel_futures=True)
        gate.set()
        executor.shutdown(wait=True)
        self.assertIsNone(first.result(BOUND))
        self.assertTrue(all(f.cancelled() for f in queued))

    def test_shutdown_wait_runs_queue(self):
        executor = probe.Executor(2)
        futures = [executor.submit(abs, -i) for i in range(50)]
        executor.shutdown(wait=True)
        self.assertTrue(all(f.done() for f in futures))

    def test_initializer_runs_per_worker(self):
        seen = []
        lock = threading.Lock()

        def init(tag):
            with lock:
                seen.append(tag)

        with probe.Executor(3, initializer=init, initargs=("w",)):
            pass
        self.assertEqual(seen, ["w", "w", "w"])

    def test_bad_max_workers(self):
        with self.assertRaises(ValueError):
            probe.Executor(0)

    def test_cancelled_future_skipped(self):
        gate = threading.Event()
        started = threading.Event()
        ran = []

        def block():
            started.set()
            gate.wait(BOUND)

        with probe.Executor(1) as executor:
            executor.submit(block)
            self.assertTrue(started.wait(BOUND))
            future = executor.submit(ran.append, 1)
            self.assertTrue(future.cancel())
            gate.set()
        self.assertEqual(ran, [])


class AsyncioTest(unittest.TestCase):

    def test_run_in_executor(self):
        async def main(executor):
            loop = asyncio.get_running_loop()
            results = await asyncio.wait_for(asyncio.gather(
                *(loop.run_in_executor(executor, pow, 2, i)
                  for i in range(10))), BOUND)
            return results

        with probe.Executor(2) as executor:
            results = asyncio.run(main(executor))
        self.assertEqual(results, [2 ** i for i in range(10)])

    def test_context_fd_with_add_reader(self):
        async def main(ctx):
            loop = asyncio.get_running_loop()
            cancelled = loop.create_future()

            def readable():
                # The descriptor stays readable: stop watching at once.
                loop.remove_reader(ctx.fileno())
                cancelled.set_result(ctx.done)

            loop.add_reader(ctx.fileno(), readable)
            loop.call_soon(ctx.cancel)
            return await asyncio.wait_for(cancelled, BOUND)

        self.assertTrue(asyncio.run(main(probe.Context())))


if __name__ == "__main__":
    unittest.main()
