"""Child of test_one_slot_queue_full: print "full" when a one-slot pool
rejects a second queued task, as its buffer of 1 requires."""

import os
import threading

import probe

gate = threading.Event()
started = threading.Event()


def block():
    started.set()
    gate.wait(30)


pool = probe.Pool(1, 1)
pool.run(block)
started.wait(30)
pool.run(int)
try:
    pool.try_run(int)
except probe.Full:
    print("full", flush=True)
else:
    print("accepted", flush=True)
# Leave without stopping: the ring may be corrupt.
os._exit(0)
