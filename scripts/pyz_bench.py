"""Time and measure purenn.pyz against the checkout, paired.

    python scripts/pyz_bench.py                      # 5 pairs, this python
    python scripts/pyz_bench.py --pairs 7 --python pypy3 -- train --epochs 1

Builds purenn.pyz into a temporary directory and runs the same purenn
command (default ``train --epochs 1 --train-limit 2000``) from the checkout
(``python -m purenn`` in the repository) and from the archive (``python
purenn.pyz`` in an otherwise empty directory), each under ``/usr/bin/time
-v``, one after the other in pairs whose order alternates, so that a slow
moment of a shared machine falls on both.  Prints a Markdown table: the
median wall time and peak RSS of each, and the median and range of the
paired differences (pyz minus checkout).  Linux only (GNU time).
"""
import argparse
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _build(out):
    spec = importlib.util.spec_from_file_location(
        "build_pyz", os.path.join(ROOT, "scripts", "build_pyz.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(out)


def _measure(argv, cwd):
    """Run argv under GNU time -v; return (wall seconds, peak RSS in MB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(["/usr/bin/time", "-v"] + argv, cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            universal_newlines=True)
    if result.returncode != 0:
        raise SystemExit("failed: {}\n{}".format(" ".join(argv),
                                                 result.stderr[-2000:]))
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):"
                     r"([\d.]+)", result.stderr)
    hours, minutes, seconds = wall.groups()
    seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                        result.stderr).group(1))
    return seconds, rss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(prog="pyz_bench.py", description=(
        "Paired timing and peak RSS: purenn.pyz against the checkout."))
    parser.add_argument("--pairs", type=int, default=5,
                        help="pairs of runs (default: 5)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter (default: this one)")
    parser.add_argument("command", nargs="*",
                        default=["train", "--epochs", "1", "--train-limit",
                                 "2000"],
                        help="purenn command (default: train --epochs 1 "
                             "--train-limit 2000)")
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="pyz-bench-")
    try:
        alone = os.path.join(work, "alone")
        os.mkdir(alone)
        _build(os.path.join(alone, "purenn.pyz"))
        runs = {
            "checkout": ([args.python, "-m", "purenn"] + args.command, ROOT),
            "pyz": ([args.python, "purenn.pyz"] + args.command, alone),
        }
        results = {"checkout": [], "pyz": []}
        for pair in range(args.pairs):
            order = ["checkout", "pyz"] if pair % 2 == 0 else \
                ["pyz", "checkout"]
            for name in order:
                results[name].append(_measure(*runs[name]))
        version = subprocess.run(
            [args.python, "-c", "import platform; print(platform."
             "python_implementation(), platform.python_version())"],
            stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    finally:
        shutil.rmtree(work)
    print("{}, `purenn {}`, {} pairs".format(version, " ".join(args.command),
                                             args.pairs))
    print()
    print("| run | wall s (median) | peak RSS MB (median) |")
    print("| --- | ---: | ---: |")
    for name in ("checkout", "pyz"):
        walls = [wall for wall, _ in results[name]]
        rss = [mb for _, mb in results[name]]
        print("| {} | {:.2f} | {:.1f} |".format(
            name, statistics.median(walls), statistics.median(rss)))
    wall_diff = [p[0] - c[0] for p, c in zip(results["pyz"],
                                              results["checkout"])]
    rss_diff = [p[1] - c[1] for p, c in zip(results["pyz"],
                                             results["checkout"])]
    print("| pyz - checkout, paired | {:+.2f} ({:+.2f} .. {:+.2f}) | "
          "{:+.1f} ({:+.1f} .. {:+.1f}) |".format(
              statistics.median(wall_diff), min(wall_diff), max(wall_diff),
              statistics.median(rss_diff), min(rss_diff), max(rss_diff)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
