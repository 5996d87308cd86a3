"""Hash every file under a directory with hashlib on a probe.Pool, then do
the same job on a concurrent.futures.ThreadPoolExecutor, and print both
times.

    python3 hash_tree.py [DIRECTORY] [--workers N] [--algorithm NAME]
                         [--rounds N]

The first round also fills the page cache, so compare the later rounds.
hashlib releases the GIL while it hashes buffers larger than 2047 bytes,
so the workers hash in parallel; reading the files also releases it.
"""

import argparse
import concurrent.futures
import hashlib
import os
import sys
import threading
import time

import probe

CHUNK = 1 << 20


def list_files(top):
    """Return the regular files under ``top``, skipping symbolic links."""
    paths = []
    for root, _, names in os.walk(top):
        for name in names:
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                paths.append(path)
    return paths


def hash_file(path, algorithm):
    """Return the hex digest of ``path``, or None when it cannot be read."""
    digest = hashlib.new(algorithm)
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def hash_on_probe(paths, algorithm, workers):
    """Hash on a probe.Pool: results go into a dict under a lock."""
    results = {}
    lock = threading.Lock()

    def task(path):
        value = hash_file(path, algorithm)
        with lock:
            results[path] = value

    with probe.Pool(workers, 256) as pool:
        for path in paths:
            pool.run(task, path)
    return results


def hash_on_executor(paths, algorithm, workers):
    """Hash on a ThreadPoolExecutor through its futures."""
    with concurrent.futures.ThreadPoolExecutor(workers) as executor:
        futures = {path: executor.submit(hash_file, path, algorithm)
                   for path in paths}
        return {path: f.result() for path, f in futures.items()}


def timed(label, job, *args):
    start = time.perf_counter()
    results = job(*args)
    elapsed = time.perf_counter() - start
    print(f"{label:<32} {elapsed:8.3f} s")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="/usr/share/doc",
                        help="tree to hash (default /usr/share/doc)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="worker threads of each pool (default: CPUs)")
    parser.add_argument("--algorithm", default="sha256",
                        choices=sorted(hashlib.algorithms_guaranteed),
                        help="hashlib algorithm (default sha256)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="times to run both jobs, in turn (default 2)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be 1 or more, not {args.rounds}")
    if args.workers < 1:
        parser.error(f"--workers must be 1 or more, not {args.workers}")
    if not os.path.isdir(args.directory):
        parser.error(f"directory not found: {args.directory}")

    paths = list_files(args.directory)
    size = sum(os.path.getsize(p) for p in paths)
    print(f"{len(paths)} files, {size / 1e6:.1f} MB under {args.directory}, "
          f"{args.algorithm}, {args.workers} workers")
    for round_number in range(1, args.rounds + 1):
        on_probe = timed(f"round {round_number}: probe.Pool", hash_on_probe,
                         paths, args.algorithm, args.workers)
        on_executor = timed(f"round {round_number}: ThreadPoolExecutor",
                            hash_on_executor, paths, args.algorithm,
                            args.workers)
        if on_probe != on_executor:
            sys.exit("hash_tree: the two runs computed different digests")
    unreadable = sum(1 for v in on_probe.values() if v is None)
    if unreadable:
        print(f"{unreadable} files could not be read")


if __name__ == "__main__":
    main()
