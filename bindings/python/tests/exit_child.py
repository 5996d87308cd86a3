"""Child of ExitTest: leave live probes and pools in the state named by
argv[1] and fall off the end of the script."""

import sys
import threading
import time

import probe

mode = sys.argv[1]
probe.exit_timeout = 0.5
keep = []


def spin(pool, rounds):
    """Burn a little CPU in Python, then queue itself again."""
    sum(range(1000))
    try:
        pool.try_run(spin, pool, rounds + 1)
    except probe.Error:
        pass


def endless():
    while True:
        time.sleep(0.001)


if mode == "idle":
    keep.append(probe.Pool(4))
    keep.append(probe.Probe())
    keep.append(probe.Executor(2))
    keep.append(probe.Context(timeout=60))
elif mode == "queued":
    pool = probe.Pool(1, 256)
    started = threading.Event()
    pool.run(lambda: (started.set(), time.sleep(0.1)))
    started.wait(30)
    for i in range(200):
        pool.run(print, "never printed", i)
    keep.append(pool)
elif mode == "running":
    pool = probe.Pool(4, 64)
    for _ in range(16):
        pool.run(spin, pool, 0)
    executor = probe.Executor(2)
    futures = [executor.submit(sum, range(10000)) for _ in range(100)]
    keep.extend([pool, executor])
elif mode == "submitting":
    # A daemon thread keeps a full queue full while the interpreter exits.
    pool = probe.Pool(1, 4)
    started = threading.Event()

    def submit_forever():
        while True:
            try:
                pool.run(time.sleep, 0.001)
            except probe.Error:
                return
            started.set()

    threading.Thread(target=submit_forever, daemon=True).start()
    started.wait(30)
    keep.append(pool)
elif mode == "logging":
    import logging
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    pool = probe.Pool(2, logger=logging.getLogger("probe"))
    for _ in range(50):
        pool.run(time.sleep, 0.001)
    keep.append(pool)
elif mode == "endless":
    pool = probe.Pool(2)
    started = threading.Event()
    pool.run(lambda: (started.set(), endless()))
    started.wait(30)
    keep.append(pool)
else:
    sys.exit(f"exit_child: unknown mode {mode!r}")

print("exiting", flush=True)
