"""Measure the per-task cost of probe.Pool.run against
concurrent.futures.ThreadPoolExecutor.submit for a no-op callable.

Each round submits N tasks from one thread and waits until all ran, so
the figure covers the submit, the hand-over to a worker and the call.
Prints the best of several rounds for each, in microseconds per task and
tasks per second.  Run it against the build tree with
PYTHONPATH=BUILD/bindings/python, or after `make install`.
"""

import argparse
import concurrent.futures
import os
import platform
import sys
import time

# The source package beside this script lacks the compiled module: drop
# the script's directory from the path so the built or installed one loads.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(
        os.path.abspath(__file__)):
    del sys.path[0]

import probe  # noqa: E402


def noop():
    pass


def time_probe(tasks, workers, buffer):
    with probe.Pool(workers, buffer) as pool:
        run = pool.run
        start = time.perf_counter()
        for _ in range(tasks):
            run(noop)
        pool.wait()
        elapsed = time.perf_counter() - start
        failed = pool.metrics().failed
    if failed:
        sys.exit(f"bench_submit: {failed} probe tasks failed")
    return elapsed


def time_executor(tasks, workers):
    with concurrent.futures.ThreadPoolExecutor(workers) as executor:
        submit = executor.submit
        start = time.perf_counter()
        futures = [submit(noop) for _ in range(tasks)]
        concurrent.futures.wait(futures)
        elapsed = time.perf_counter() - start
    return elapsed


def report(name, seconds, tasks):
    print(f"{name:<34} {seconds / tasks * 1e6:8.2f} us/task "
          f"{tasks / seconds:12,.0f} tasks/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200_000,
                        help="tasks per round (default 200000)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds per contender; the best counts "
                             "(default 5)")
    parser.add_argument("--workers", type=int, default=4,
                        help="worker threads of each pool (default 4)")
    parser.add_argument("--buffer", type=int, default=1024,
                        help="queue slots of the probe pool (default 1024)")
    args = parser.parse_args()

    print(f"Python {platform.python_version()} "
          f"({sys.executable}), probe {probe.version()}, "
          f"{os.cpu_count()} CPUs, {args.workers} workers, "
          f"{args.tasks} tasks x {args.rounds} rounds")
    best_probe = min(time_probe(args.tasks, args.workers, args.buffer)
                     for _ in range(args.rounds))
    best_tpe = min(time_executor(args.tasks, args.workers)
                   for _ in range(args.rounds))
    report(f"probe.Pool.run (buffer {args.buffer})", best_probe, args.tasks)
    report("ThreadPoolExecutor.submit", best_tpe, args.tasks)
    print(f"throughput ratio: {best_tpe / best_probe:.2f}x")


if __name__ == "__main__":
    main()
