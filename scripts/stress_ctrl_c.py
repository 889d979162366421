"""Stress check: a real Ctrl-C during ``engines.sgd`` keeps whole mini-batches.

A timer sends SIGINT to this process at a moment it cannot choose.  The
network must then hold the parameters after the mini-batches that
``on_progress`` reported, or after one more (finished just before the
interrupt), exactly as a one-process run stopped there.  Timing-based, so it
is a script to run in a loop, not a test in the suite:

    python scripts/stress_ctrl_c.py --runs 50          # codegen, jobs=2
    pypy3 scripts/stress_ctrl_c.py --engine loops --jobs 1

Exit status 1 if any run ends in another state.  Needs ``fork`` (POSIX).
"""
import argparse
import multiprocessing
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from purenn import Network, engines  # noqa: E402  (the checkout's purenn)
from purenn.io import mnist  # noqa: E402

EPOCHS, BATCH, ETA, SEED = 50, 10, 3.0, 9


def interrupted_with_jobs(training, delay, engine, jobs):
    """Train until a timer's SIGINT; return (batches seen, json)."""
    def send_sigint(signum, frame):
        os.kill(os.getpid(), signal.SIGINT)

    calls = []

    def start_the_timer(done, total):
        if not calls:
            signal.setitimer(signal.ITIMER_REAL, delay)
        calls.append(done)

    net = Network([784, 30, 10], seed=SEED)
    previous = signal.signal(signal.SIGALRM, send_sigint)
    try:
        engines.sgd(net, training, EPOCHS, BATCH, ETA, jobs=jobs,
                    on_progress=start_the_timer, engine=engine)
    except KeyboardInterrupt:
        pass
    else:
        raise SystemExit("the timer did not interrupt training")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if multiprocessing.active_children():
        raise SystemExit("worker processes were left running")
    return len(calls), net.to_json()


def stopped_in_one_process(training, batches):
    """Return the json of a one-process run stopped after ``batches``."""
    seen = []

    def on_progress(done, total):
        seen.append(done)
        if len(seen) == batches:
            raise KeyboardInterrupt

    net = Network([784, 30, 10], seed=SEED)
    try:
        engines.sgd(net, training, EPOCHS, BATCH, ETA,
                    on_progress=on_progress)
    except KeyboardInterrupt:
        pass
    return net.to_json()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.25,
                        help="seconds from the first mini-batch to SIGINT")
    parser.add_argument("--engine", default="codegen",
                        choices=engines.ENGINES[1:])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    training, _ = mnist.load(train_limit=300, test_limit=1)
    failures = 0
    for run in range(args.runs):
        batches, state = interrupted_with_jobs(training, args.delay,
                                               args.engine, args.jobs)
        candidates = [stopped_in_one_process(training, count)
                      for count in (batches, batches + 1)]
        ok = state in candidates
        failures += not ok
        print("run {}: interrupted after {} mini-batches: {}".format(
            run, batches, "whole mini-batches" if ok else "MISMATCH"))
    print("{} of {} runs left another state".format(failures, args.runs))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
