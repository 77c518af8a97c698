"""A run that fails on purpose, for tests/common/test_launch.py: the launcher's retries.

    python -m tests.common.flaky_run RUN_DIR [--fails N]

Counts its attempts in RUN_DIR/attempts; the first N (default 1) exit with status 3, a later one
writes RUN_DIR/DONE and exits 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.common.flaky_run")
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--fails", type=int, default=1, help="attempts that fail before one finishes")
    args = ap.parse_args(argv)
    args.run_dir.mkdir(parents=True, exist_ok=True)
    counter = args.run_dir / "attempts"
    attempt = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempt))
    if attempt <= args.fails:
        print(f"error: attempt {attempt} fails on purpose", file=sys.stderr)
        return 3
    (args.run_dir / "DONE").write_text("")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
