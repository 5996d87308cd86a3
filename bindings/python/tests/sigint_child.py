"""Child of SigintChildTest: print "waiting" once blocked in pool.wait(),
then report the KeyboardInterrupt that SIGINT raises and stop the pool."""

import threading

import probe
from test_signals import in_probe_wait

gate = threading.Event()
started = threading.Event()
main_id = threading.get_ident()


def block():
    started.set()
    gate.wait(60)


def announce():
    while not in_probe_wait(main_id):
        gate.wait(0.001)
    print("waiting", flush=True)


pool = probe.Pool(2)
pool.run(block)
started.wait(60)
threading.Thread(target=announce, daemon=True).start()
try:
    pool.wait(60)
except KeyboardInterrupt:
    print("interrupted", flush=True)
gate.set()
pool.stop("discard", timeout=60)
print("stopped", flush=True)
