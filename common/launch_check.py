"""The two-node check of the launcher (common/launch.py): a real two-node Ray cluster on this
machine, the launcher run against it twice as a user would, and the report rebuilt from the runs.

    python -m common.launch_check [OUT]          # -> OUT (default: results/launch_check.json)

Its own module because it uses both the launcher and the report (common/report.py), and the
report lists each paper's experiments with common.launch.experiment_section(): kept in
common/launch.py it would make the two modules import each other.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import report
from common.launch import ROOT, read_sweep

CHECK_PAPERS = ("dqn", "memn2n")
CHECK_FAIL = "memn2n/smoke/1k_pe_ls_rn/task2"
DEFAULT_OUT = ROOT / "results" / "launch_check.json"


def check(out: Path, timeout_s: float = 900) -> dict:
    """A real two-node Ray cluster on this machine (a head and a second node, each its own raylet
    with 1 CPU) and the launcher run against it twice as a user would: a smoke sweep of DQN and
    MemN2N with one run made to fail (the report is rebuilt from the runs), then the same sweep
    again, which must run only the failed run (the report is rebuilt again). Runs and reports go
    to a temporary folder, removed at the end; only the processes started here are stopped.
    Writes what it saw to `out` and returns it."""
    import ray
    from ray.cluster_utils import Cluster

    t0 = time.time()
    tmp = Path(tempfile.mkdtemp(prefix="launch-check-"))
    runs = tmp / "runs"
    address_file = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"
    previous = address_file.read_text() if address_file.exists() else None
    fail_name = CHECK_FAIL.split("/", 1)[1]

    def sweep_and_report(extra: list[str], results: Path) -> tuple[subprocess.CompletedProcess, dict, str]:
        done = subprocess.run([sys.executable, "-m", "common.launch", "--papers", *CHECK_PAPERS, "--budget", "smoke",
                               "--address", cluster.address, "--runs", str(runs), "--retries", "1", *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)
        report.build("smoke", runs, results, readme=None, papers=list(CHECK_PAPERS))
        return done, {p: read_sweep(runs, p) for p in CHECK_PAPERS}, (results / "smoke" / "REPORT.md").read_text()

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        first, sweeps, text1 = sweep_and_report(["--fail-run", CHECK_FAIL], tmp / "results-1")
        second, rerun, text2 = sweep_and_report([], tmp / "results-2")
    finally:
        cluster.shutdown()
        # Cluster() pointed plain ray.init() calls on this machine at itself: undo that
        if previous is None:
            address_file.unlink(missing_ok=True)
        else:
            address_file.write_text(previous)
        shutil.rmtree(tmp, ignore_errors=True)
    attempts = [a for entries in rerun.values() for entry in entries.values() for a in entry["attempts"]]
    per_node: dict[str, int] = {}
    for a in attempts:
        if a["returncode"] == 0:
            per_node[a["node_id"][:12]] = per_node.get(a["node_id"][:12], 0) + 1
    failed = sweeps["memn2n"][fail_name]
    others = [e for p, entries in sweeps.items() for k, e in entries.items() if f"{p}/{k}" != CHECK_FAIL]
    scored = re.search(r"Ext\. Data Table 2\): 49 games, (\d+) with a finished run", text2)
    seen = {
        "ray_version": ray.__version__,
        "nodes": len(per_node),
        "node_ips": sorted({a.get("node_ip", "?") for a in attempts}),
        "runs": sum(len(entries) for entries in rerun.values()),
        "runs_per_node": per_node,
        "failed_recorded": {"run": CHECK_FAIL, "status": failed["status"], "attempts": len(failed["attempts"]),
                            "error": failed["attempts"][-1].get("error", "").splitlines()[-1:],
                            "others_finished": all(e["status"] == "finished" for e in others),
                            "launcher_exit_status": first.returncode,
                            "report_shows_it": f"`{fail_name}` | failed (2 attempts)" in text1},
        "code_shipped": all(a.get("code_dir") not in (None, str(ROOT)) for a in attempts),
        "rerun": {"ran": sorted(f"{p}/{k}" for p, entries in rerun.items() for k, e in entries.items()
                                if len(e["attempts"]) != len(sweeps[p][k]["attempts"])),
                  "status": rerun["memn2n"][fail_name]["status"], "launcher_exit_status": second.returncode},
        "report_rebuilt": {"experiment_tables": text2.count("#### Experiments of the paper's tables"),
                           "dqn_nature_games_scored": int(scored.group(1)) if scored else 0,
                           "memn2n_runs_finished": text2.count("| finished |")},
        "seconds": round(time.time() - t0, 1),
        "launcher_output": first.stdout.strip().splitlines()[-10:],
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(seen, indent=2) + "\n")
    return seen


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m common.launch_check", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT,
                    help="where to write what the check saw (default: results/launch_check.json)")
    args = ap.parse_args(argv)
    seen = check(args.out)
    print(json.dumps(seen, indent=2))
    return 0 if seen["nodes"] == 2 and seen["failed_recorded"]["others_finished"] else 1


if __name__ == "__main__":
    from common.errors import run_main
    run_main(main)
