"""Shared pieces of the Python suite: time bounds and child processes."""

import os
import subprocess
import sys

#: Upper bound, in seconds, of any single wait in a test.  A test that
#: reaches it has failed (a deadlock or a lost wakeup), it is not slow.
BOUND = 30.0

HERE = os.path.dirname(os.path.abspath(__file__))


def run_child(script, *args, timeout=BOUND, **popen_args):
    """Run tests/SCRIPT in a fresh interpreter with this one's path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run(
        [sys.executable, "-X", "faulthandler",
         os.path.join(HERE, script), *args],
        capture_output=True, text=True, timeout=timeout, env=env,
        **popen_args)
