"""Ctrl-C (SIGINT) interrupts every blocking call, and the pool can still
be stopped afterwards."""

import os
import signal
import subprocess
import sys
import threading
import time
import unittest

import probe
from helpers import BOUND, HERE

#: Names of the probe functions that wait in C with the GIL released.
WAITING = {"wait", "stop", "result", "exception", "run_timed", "run"}


def in_probe_wait(thread_id):
    """True when the thread's innermost frame is a probe call that waits."""
    frame = sys._current_frames().get(thread_id)
    return (frame is not None and frame.f_code.co_name in WAITING and
            os.path.basename(os.path.dirname(frame.f_code.co_filename))
            == "probe")


def interrupt_when_waiting(thread_id):
    """Send SIGINT to this process once the thread waits inside probe."""
    deadline = time.monotonic() + BOUND
    while not in_probe_wait(thread_id) and time.monotonic() < deadline:
        time.sleep(0.001)
    os.kill(os.getpid(), signal.SIGINT)


class SigintTest(unittest.TestCase):

    def setUp(self):
        self.gate = threading.Event()
        self.started = threading.Event()
        self.pool = probe.Pool(1, 2)
        self.addCleanup(self.pool.close)
        self.addCleanup(self.gate.set)
        self.pool.run(self.block)
        self.assertTrue(self.started.wait(BOUND))

    def block(self):
        self.started.set()
        self.gate.wait(BOUND)

    def interrupt(self, call, *args):
        sender = threading.Thread(target=interrupt_when_waiting,
                                  args=(threading.get_ident(),))
        sender.start()
        start = time.monotonic()
        with self.assertRaises(KeyboardInterrupt):
            call(*args)
        elapsed = time.monotonic() - start
        sender.join(BOUND)
        self.assertLess(elapsed, BOUND / 2)
        self.gate.set()
        self.pool.stop(timeout=BOUND)
        self.assertEqual(self.pool.running, 0)

    def test_pool_wait(self):
        self.interrupt(self.pool.wait, BOUND)

    def test_stop_wait(self):
        self.interrupt(self.pool.stop, "drain", True, BOUND)

    def test_future_result(self):
        future = self.pool.submit(int)
        self.interrupt(future.result, BOUND)

    def test_blocked_run(self):
        self.pool.run(int)
        self.pool.run(int)
        self.interrupt(self.pool.run_timed, BOUND, int)

    def test_context_wait(self):
        self.interrupt(probe.Context().wait, BOUND)

    def test_group_wait(self):
        group = self.pool.group()
        group.run(int)
        self.interrupt(group.wait, BOUND)


class SigintChildTest(unittest.TestCase):

    def test_ctrl_c_in_child(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        child = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "sigint_child.py")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env)
        try:
            self.assertEqual(child.stdout.readline().strip(), "waiting")
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=BOUND)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        self.assertEqual(child.returncode, 0, err)
        self.assertEqual(out.split(), ["interrupted", "stopped"])


if __name__ == "__main__":
    unittest.main()
