"""`make reproduce` for SLAC (Lee et al. 2020): the runs of one budget.

`run(budget, runs_root)` trains or resumes `runs_root/slac/<profile>-seed0` on cartpole swingup,
then measures the uniform random policy (`runs_root/slac/random_policy.json`) and the speed
benchmark (`runs_root/slac/benchmark.json`); finished parts are skipped.

Budget "smoke" runs the same pipeline at toy size (about half a minute on 2 cores) to check the
plumbing of `make reproduce`: the `smoke` profile in `runs_root/slac/smoke-seed0`, a 2-episode
random policy in `runs_root/slac/smoke-random_policy.json`, no speed benchmark.

papers/slac/report.py builds the paper's section of the report from these files.

    python -m papers.slac.reproduce [--budget cpu|paper|smoke] [--report-only]   # run(), then the report
    python -m common.report                                                # the whole REPORT.md
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from common.config import build
from common.report import ROOT, SMOKE
from common.results import read_json
from papers.slac.config import PROFILES, SlacConfig

RANDOM_EPISODES, RANDOM_SEED = 10, 12345
RANDOM_FILE, BENCHMARK_FILE = "random_policy.json", "benchmark.json"
SMOKE_RANDOM_EPISODES = 2        # the smoke budget's random-policy episodes (its own file, never the cpu one)


def profile_of(budget: str) -> str:
    return budget if budget in ("cpu", SMOKE) else "paper"


def random_file(budget: str) -> str:
    return f"{SMOKE}-{RANDOM_FILE}" if budget == SMOKE else RANDOM_FILE


def random_episodes(budget: str) -> int:
    return SMOKE_RANDOM_EPISODES if budget == SMOKE else RANDOM_EPISODES


def run_dir_of(budget: str, runs_root: Path) -> Path:
    return Path(runs_root) / "slac" / f"{profile_of(budget)}-seed0"


def cached_json(path: Path, compute) -> dict:
    """The JSON at `path`, computing and writing it first when it does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(compute(), indent=2) + "\n")
    return json.loads(path.read_text())


def run_config(budget: str, run_dir: Path):
    """The config the run used (its config.json), else the profile's."""
    record = read_json(run_dir / "config.json")
    if record and "config" in record:
        known = {f for f in SlacConfig.__dataclass_fields__}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in record["config"].items() if k in known}
        return SlacConfig(**values)
    return build(SlacConfig, PROFILES, profile_of(budget))[0]


# ---------------------------------------------------------------------- run(): the slow part
def train_run(profile: str, run_dir: Path) -> None:
    """Run or resume training in a fresh interpreter (as a user would)."""
    if (run_dir / "DONE").exists():
        return
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([sys.executable, "-m", "papers.slac.train", "--profile", profile,
                    "--run-dir", str(run_dir)], cwd=ROOT, env=env, check=False)


def run(budget: str, runs_root: Path) -> None:
    """Train / resume the run of this budget, then measure the random policy and the speed
    benchmark once each; writes only under runs_root/slac/. SLAC_REPORT_ONLY=1 skips training.
    The smoke budget trains the `smoke` profile, plays 2 random episodes and skips the benchmark."""
    from papers.slac.evaluate import random_policy_return
    out = Path(runs_root) / "slac"
    run_dir = run_dir_of(budget, runs_root)
    if os.environ.get("SLAC_REPORT_ONLY") != "1":
        train_run(profile_of(budget), run_dir)
    task = run_config(budget, run_dir).task
    episodes = random_episodes(budget)
    cached_json(out / random_file(budget), lambda: {
        "task": task, "episodes": episodes, "seed": RANDOM_SEED,
        "random_policy_return": random_policy_return(task, episodes, RANDOM_SEED)})
    if budget != SMOKE and not (out / BENCHMARK_FILE).exists():  # benchmark.py writes --out only when it finished
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
        subprocess.run([sys.executable, "-m", "papers.slac.benchmark", "--task", task,
                        "--out", str(out / BENCHMARK_FILE)], cwd=ROOT, env=env, check=False)


if __name__ == "__main__":
    from common.errors import run_main
    from common.report import paper_cli
    run_main(lambda argv: paper_cli("slac", __doc__, run, argv=argv))
