"""Check purenn.exact.exp's fast path against its exact slow path.

For N arguments (default 10,000,000), drawn with random.Random(seed) over
the range sigmoid meets, every result the fast path returns must equal
``exp_exact`` (exact integer arithmetic, precision raised until the rounding
is decided).  Where the fast path's rounding test fails it hands over to the
slow path itself, so those arguments are counted, not compared.

    python3 scripts/exp_check.py                      # 10^7, 2 processes
    python3 scripts/exp_check.py --count 1000000 --jobs 1

Prints the counts and exits 1 on any mismatch.  The arguments: 70% uniform
in [-50, 50] (a network's z), 20% uniform in [-708, 708] (the fast path's
whole range), 10% of magnitude 2^-1 .. 2^-60 (tiny z).  docs/spec.md quotes
a run.
"""
import argparse
import multiprocessing
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from purenn import exact  # noqa: E402


def _argument(rng):
    pick = rng.random()
    if pick < 0.7:
        return rng.uniform(-50.0, 50.0)
    if pick < 0.9:
        return rng.uniform(-708.0, 708.0)
    return rng.uniform(-1.0, 1.0) * 2.0 ** -rng.randint(1, 60)


def check(job):
    """Return (checked, deferred, mismatches) for ``count`` arguments."""
    seed, count = job
    deferred = [0]

    def sentinel(x):
        deferred[0] += 1
        return None
    exact._slow = sentinel          # this worker's own module
    rng = random.Random(seed)
    mismatches = []
    for _ in range(count):
        x = _argument(rng)
        fast = exact.exp(x)
        if fast is not None and fast != exact.exp_exact(x):
            mismatches.append(x.hex())
    return count, deferred[0], mismatches


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10 ** 7,
                        help="arguments in all (default 10,000,000)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="processes (default 2)")
    parser.add_argument("--seed", type=int, default=2026,
                        help="first seed; job i uses seed + i (default 2026)")
    args = parser.parse_args(argv)
    share, extra = divmod(args.count, args.jobs)
    jobs = [(args.seed + i, share + (i < extra)) for i in range(args.jobs)]
    start = time.time()
    if args.jobs == 1:
        results = [check(jobs[0])]
    else:
        with multiprocessing.Pool(args.jobs) as pool:
            results = pool.map(check, jobs)
    checked = sum(r[0] for r in results)
    deferred = sum(r[1] for r in results)
    mismatches = [x for r in results for x in r[2]]
    print("{} arguments: the fast path decided {} ({:.3%}), deferred {} to "
          "the slow path; {} mismatches ({:.0f} s, {} processes, {} {})"
          .format(checked, checked - deferred, 1 - deferred / checked,
                  deferred, len(mismatches), time.time() - start, args.jobs,
                  sys.implementation.name, sys.version.split()[0]))
    for x in mismatches[:20]:
        print("mismatch: exp({})".format(x))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
