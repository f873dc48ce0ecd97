"""``python -m bench`` (``make bench``): measure wareterm on a generated warehouse.

python -m bench                         # everything, results in bench/results.json
python -m bench --only scan_commit_ms_p50,scan_commit_ms_p99 --runs 5
python -m bench --quick --output /tmp/r.json   # a small warehouse: checks the harness only
python -m bench --profile import_order_lines_per_s   # one run under pyinstrument
python -m bench --compare 06417a5 --only scan_commit,concurrent --runs 1 --rounds 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import harness


def main(argv: list[str] | None = None) -> int:
    """Parse the options, measure, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated metric names (default: all)")
    parser.add_argument("--runs", type=int, help="runs per measurement (default: its own)")
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument("--output", type=Path, default=harness.RESULTS, help="results file")
    parser.add_argument("--workdir", type=Path, help="keep the generated files here")
    parser.add_argument(
        "--profile", metavar="METRIC", help="run the measurement of METRIC once under pyinstrument"
    )
    parser.add_argument(
        "--compare",
        metavar="REF",
        help="measure --only on a worktree of commit REF and on this tree, in alternating rounds",
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds per tree with --compare")
    args = parser.parse_args(argv)
    settings = harness.Settings.quick() if args.quick else harness.Settings()
    if args.runs:
        settings = harness.Settings(**{**settings.__dict__, "runs": args.runs})
    only = [name.strip() for name in args.only.split(",")] if args.only else None
    if args.profile:
        return _profile(settings, args.profile, args.workdir)
    if args.compare:
        from bench.compare import compare

        print(compare(args.compare, only, args.runs or 1, args.rounds))
        return 0
    print("measuring (this takes a few minutes)…", file=sys.stderr)
    report = harness.run(settings, only, args.workdir)
    harness.write(report, args.output)
    print(harness.table(report))
    print(f"\nwritten to {args.output}")
    return 0


def _profile(settings: harness.Settings, metric: str, workdir: Path | None) -> int:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: pip install pyinstrument", file=sys.stderr)
        return 2
    settings = harness.Settings(**{**settings.__dict__, "runs": 1})
    profiler = Profiler()
    profiler.start()
    report = harness.run(settings, [metric], workdir)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False))
    print(harness.table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
