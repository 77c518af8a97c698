"""`make paper-check`: a time-boxed dry run of every paper's `paper` profile at full size.

    python -m common.paper_check [--papers dqn memn2n_lm ...] [--seconds N] [--out results/paper_check.json]
    python -m common.paper_check --readme     # only re-render the README's table from the JSON files

For each check it runs the paper's own train command on the exact `paper` profile (only the
check-only settings listed in CHECKS change, each with its reason, none of them a size) in a
fresh run directory, in a subprocess of its own so that its peak memory is its own:

  1. slice 1: `--max-minutes` of training; the time box saves a checkpoint and exits (status 0);
  2. slice 2: the same command again. It must restore that checkpoint with every variable equal
     to what was saved (the fingerprint of common/run.py: weights, optimizer slots, counters),
     train on past it and save again at a later step.

Then it writes, per check: `ok`, `device`, `precision`, the budget `unit`, `seconds_per_unit`
measured in steady state (after warm-up, from the step boundaries the run passed), the paper's
budget in that unit, `projected_hours_this_machine`, `peak_rss_gb` and what the paper's budget
needs in hardware. A GPU is used when TensorFlow sees one.

`--profile smoke` runs the same machinery on the smoke profiles (lengthened so that the time box,
not the end of the run, stops slice 1): what the fast tests run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Check:
    """How to dry-run one paper profile and what its budget is."""
    module: str                                   # the train entry point (python -m ...)
    unit: str                                     # the unit of the run's step counter
    budget: Callable[[Any], float]                # the paper's budget, in `unit`, from the run's config
    steady_from: Callable[[Any], int]             # the step after which the rate is steady
    hardware: str                                 # what the paper's budget needs
    sets: dict[str, tuple[str, str]] = field(default_factory=dict)   # check-only: key -> (value, reason)
    smoke_sets: dict[str, str] = field(default_factory=dict)         # --profile smoke: lengthen the run
    argv: tuple[str, ...] = ()                    # extra arguments of the entry point
    extra: Callable[[Any, dict], dict] | None = None   # more measurements, in the check's process
    precision: Callable[[Any], str] = lambda cfg: "float32"
    units_per_step: Callable[[Any], float] = lambda cfg: 1   # budget units per step of the run's counter


def _dqn_budget(cfg) -> float:
    return cfg.total_agent_steps


def _memn2n_epochs(cfg) -> float:
    from papers.memn2n.train import total_epochs
    return total_epochs(cfg)          # the joint model: one run of 10 repeats over all 20 tasks


def _lm_updates(cfg) -> float:
    from papers.memn2n import data
    (train_ids, _, _), _ = data.load_ptb()
    return cfg.epochs * math.ceil(len(train_ids) / cfg.batch_size)


def _nas_child_epoch(cfg, result: dict) -> dict:
    """Seconds per child epoch at the paper's child settings (45,000 images of 32x32, batch 128,
    augmentation, validation on 5,000 images), for a child of the first curriculum stage. Three
    short trainings: the difference of two lengths gives the time per batch without building and
    tracing; the same short training with validation gives the validation time."""
    import numpy as np
    from papers.nas.child import train_cifar_child
    from papers.nas.search_space import random_actions, task_steps
    from papers.nas.train import load_task_data
    cfg = dataclasses.replace(cfg, child_max_seconds=0.0)   # the search loop's cut does not apply here
    data = load_task_data(cfg)
    actions = random_actions(task_steps(cfg, 0), np.random.default_rng(0))
    b, short, long = cfg.child_batch, 4, 16

    def seconds(batches: int, validate: bool) -> float:
        t0 = time.time()
        train_cifar_child(cfg, actions, data, seed=0, epochs=1, x_train=data["x_train"][:b * batches],
                          y_train=data["y_train"][:b * batches],
                          eval_sets={"val": (data["x_val"], data["y_val"]) if validate
                                     else (data["x_val"][:1], data["y_val"][:1])})
        return time.time() - t0

    t_short, t_long, t_val = seconds(short, False), seconds(long, False), seconds(short, True)
    per_batch = (t_long - t_short) / (long - short)
    per_epoch = per_batch * (cfg.train_size // b) + max(t_val - t_short, 0.0)
    epochs = cfg.total_architectures * cfg.child_epochs
    return {"unit": "child epochs", "seconds_per_unit": round(per_epoch, 2), "paper_budget_units": epochs,
            "projected_hours_this_machine": round(per_epoch * epochs / 3600, 1),
            "search_loop": {"unit": result["unit"], "seconds_per_unit": result.get("seconds_per_unit"),
                            "note": "children cut at child_max_seconds; the controller and checkpoint path"},
            "child_measurement": f"{long - short} batches of {b} images of {cfg.image_size}x{cfg.image_size} "
                                 f"(a {cfg.start_layers}-layer child of the first curriculum stage), "
                                 f"{cfg.train_size // b} batches per epoch, validation on {cfg.val_size} images"}


def _slac_curve_end(cfg, result: dict) -> dict:
    """The paper reports returns up to 500,000 env steps (Lee 2020, Sec. 6.1 and the official curves in
    alexlee-gk/slac data/slac/); the official num_iterations (the budget above) runs far past that."""
    from papers.slac.config import action_repeat
    steps = 500_000 // action_repeat(cfg.task)
    per = result.get("seconds_per_unit")
    return {"paper_curve_end_agent_steps": steps,
            "projected_hours_to_paper_curve_end": None if per is None else round(per * steps / 3600, 1)}


CHECKS: dict[str, Check] = {
    "dqn": Check(
        module="papers.dqn.train", unit="agent steps", budget=_dqn_budget,
        steady_from=lambda cfg: cfg.replay_start,
        precision=lambda cfg: cfg.precision,
        hardware="one GPU and 8 GB of RAM per game (Mnih 2015 trained each of its 49 games separately, "
                 "50M frames each; the replay holds 7.06 GB when full: its pages are touched as it fills, "
                 "so the slice's peak RSS covers only the first transitions)",
        smoke_sets={"total_agent_steps": "100000"}),
    "a3c": Check(
        module="papers.a3c.train", unit="env frames", budget=lambda cfg: cfg.total_frames,
        steady_from=lambda cfg: 1,
        hardware="16 CPU cores per game (Mnih 2016: 16 actor-learner threads on one machine, no GPU)",
        smoke_sets={"total_frames": "10000000"}),
    "memn2n_babi": Check(
        module="papers.memn2n.train", unit="epochs (10 repeats, 20 tasks jointly)",
        budget=lambda cfg: _memn2n_epochs(cfg), steady_from=lambda cfg: 2, argv=("--variant", "joint"),
        hardware="a few CPU cores (Table 1's joint model, the largest bAbI setting; a single-task run "
                 "of the paper profile trains in about 15 s here, too short to slice)",
        smoke_sets={"epochs": "100000"}),
    "memn2n_lm": Check(
        module="papers.memn2n.train_lm", unit="updates", budget=_lm_updates,
        steady_from=lambda cfg: 1, units_per_step=lambda cfg: cfg.epoch_size,
        hardware="one GPU or a few CPU cores (Table 2's 150 hidden / 7 hops / memory 200 on PTB)",
        sets={"epoch_size": ("40", "epochs of 40 updates so that the slice passes epoch ends "
                                   "(the run checkpoints once per epoch); the update is the paper's"),
              "eval_words": ("4000", "validation on 4,000 words per epoch instead of the whole 73,760-word "
                                     "stream, so the slice times updates, not evaluation"),
              "min_lr": ("0", "the official stop (lr below 1e-5 after repeated annealing) would end the run "
                              "within the slice's short epochs; the cost of an update does not depend on lr")},
        smoke_sets={"epochs": "100000", "min_lr": "0"}),
    "nas": Check(
        module="papers.nas.train", unit="children", budget=lambda cfg: cfg.total_architectures,
        steady_from=lambda cfg: 1,
        hardware="800 GPUs for about 4 weeks (Zoph & Le 2017 Sec. 4.1: 100 controller replicas x 8 "
                 "children); `RAY_ADDRESS=... make reproduce BUDGET=paper PAPERS=nas` on a GPU cluster",
        sets={"workers": ("0", "children trained one after another in this process (the paper's 800 "
                                "are Ray workers on a cluster)"),
              "child_max_seconds": ("15", "each child trains for 15 s at the paper's settings and is then "
                                          "recorded as failed, so the slice reaches a controller update and a "
                                          "checkpoint; the child's epoch is timed separately (child_measurement)")},
        smoke_sets={"total_architectures": "100000", "curriculum_every": "100000"},
        extra=_nas_child_epoch),
    "slac": Check(
        module="papers.slac.train", unit="agent steps (1 model + 1 actor-critic update each)",
        budget=lambda cfg: cfg.train_agent_steps, steady_from=lambda cfg: cfg.initial_model_train_steps + 1,
        precision=lambda cfg: cfg.compute_dtype, extra=_slac_curve_end,
        hardware="one GPU per task and seed (official code: one GPU; 6 DM Control tasks)",
        sets={"initial_model_train_steps": ("30", "30 of the 100,000 pre-training model updates, so the slice "
                                                  "reaches the agent phase, whose step is timed; the "
                                                  "pre-training update is the same model update")},
        smoke_sets={"train_agent_steps": "100000", "eval_interval": "100000"}),
}
PAPER_OF = {"dqn": "dqn", "a3c": "a3c", "memn2n_babi": "memn2n", "memn2n_lm": "memn2n", "nas": "nas",
            "slac": "slac"}


# ------------------------------------------------------------------------------------ one check

def device() -> str:
    """The accelerator TensorFlow trains on here, else the CPU."""
    import tensorflow as tf
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)} (x{len(gpus)})"
    model = platform.processor() or "CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"CPU: {model}, {os.cpu_count()} cores"


def _slice(check: Check, argv: list[str], minutes: float) -> dict:
    """One invocation of the train command with a time box; returns its exit status."""
    import importlib
    from common.errors import UserError
    module = importlib.import_module(check.module)
    try:
        code = module.main([*argv, "--max-minutes", f"{minutes:.4f}"])
    except SystemExit as e:
        code = e.code
    except UserError as e:
        return {"exit": 2, "error": str(e)}
    return {"exit": code if isinstance(code, int) else 0}   # some mains return a summary or a path


def _newest_marker(run_dir: Path) -> dict | None:
    from common.run import complete_checkpoints, read_marker
    steps = complete_checkpoints(run_dir)
    return read_marker(run_dir, steps[-1]) if steps else None


def _rate(slices: list[list[tuple[float, int]]], steady_from: int) -> float | None:
    """Seconds per step between the first and last boundary at or after `steady_from` within
    one slice (never across the restart), from the slice that advanced the most steps."""
    best = None
    for marks in slices:
        steady = [(t, s) for t, s in marks if s >= steady_from]
        if len(steady) >= 2 and steady[-1][1] > steady[0][1]:
            span = steady[-1][1] - steady[0][1]
            if best is None or span > best[0]:
                best = (span, (steady[-1][0] - steady[0][0]) / span)
    return None if best is None else best[1]


def run_check(name: str, profile: str, seconds: float, run_dir: Path,
              between_slices: Callable[[Path], None] | None = None) -> dict:
    """Both slices of one check in this process; `between_slices(run_dir)` lets a test tamper."""
    from common import run as run_module
    check = CHECKS[name]
    sets = check.smoke_sets if profile == "smoke" else {k: v for k, (v, _) in check.sets.items()}
    if profile == "smoke":
        sets = {**sets, **{k: v for k, (v, _) in check.sets.items() if k == "workers"}}
    argv = ["--profile", profile, "--run-dir", str(run_dir), *check.argv]
    for key, value in sets.items():
        argv += ["--set", f"{key}={value}"]
    shown = " ".join("<temporary run dir>" if a == str(run_dir) else a for a in argv)
    out: dict[str, Any] = {"profile": profile, "command": f"python -m {check.module} {shown}",
                           "check_settings": {k: {"value": v, "reason": r} for k, (v, r) in check.sets.items()}
                           if profile != "smoke" else sets}
    t0 = time.time()
    run_module.PROGRESS.clear()
    first = _slice(check, argv, seconds / 60)
    marks = [list(run_module.PROGRESS)]
    saved = _newest_marker(run_dir)
    out["slice1"] = {**first, "seconds": round(time.time() - t0, 1),
                     "checkpoint_step": saved and saved["step"]}
    if saved is None:
        return {**out, "ok": False, "why": "slice 1 saved no complete checkpoint"}
    if between_slices is not None:
        between_slices(run_dir)
    t1, restores_before = time.time(), len(run_module.RESTORES)
    run_module.PROGRESS.clear()
    second = _slice(check, argv, max(seconds / 2, 3.0) / 60)
    marks.append(list(run_module.PROGRESS))
    restored = run_module.RESTORES[restores_before:]
    after = _newest_marker(run_dir)
    out["slice2"] = {**second, "seconds": round(time.time() - t1, 1),
                     "restored_step": restored[0]["step"] if restored else None,
                     "variables_verified": bool(restored and restored[0]["verified"]
                                                and restored[0]["fingerprint"] == saved["fingerprint"]),
                     "checkpoint_step": after and after["step"]}
    problems = []
    if first["exit"] != 0 or second["exit"] != 0:
        problems.append(f"exit status {first['exit']} / {second['exit']}")
    if not restored or restored[0]["step"] != saved["step"]:
        problems.append(f"slice 2 did not resume from step {saved['step']}")
    elif not out["slice2"]["variables_verified"]:
        problems.append("restored variables differ from the saved ones")
    if not after or after["step"] <= saved["step"]:
        problems.append("slice 2 did not continue past the restored step")
    cfg = _config(name, run_dir)
    per_step = _rate(marks, check.steady_from(cfg))
    per_step = None if per_step is None else per_step / check.units_per_step(cfg)
    out.update(ok=not problems, unit=check.unit, precision=check.precision(cfg),
               seconds_per_unit=None if per_step is None else round(per_step, 5),
               paper_budget_units=check.budget(cfg), hardware_paper_budget_needs=check.hardware)
    if problems:
        out["why"] = "; ".join(problems)
    if per_step is not None:
        out["projected_hours_this_machine"] = round(per_step * check.budget(cfg) / 3600, 1)
    if check.extra is not None and profile != "smoke":
        out.update(check.extra(cfg, out))
    return out


def _config(name: str, run_dir: Path):
    """The run's resolved config, as the config class of its paper."""
    import importlib
    saved = json.loads((run_dir / "config.json").read_text())["config"]
    config = importlib.import_module(f"papers.{PAPER_OF[name]}.config")
    cls = {"dqn": getattr(config, "NatureConfig", None), "a3c": getattr(config, "A3CConfig", None),
           "memn2n_babi": getattr(config, "BabiConfig", None), "memn2n_lm": getattr(config, "LMConfig", None),
           "nas": getattr(config, "NASConfig", None), "slac": getattr(config, "SlacConfig", None)}[name]
    fields = {f.name for f in dataclasses.fields(cls)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in saved.items() if k in fields}
    return dataclasses.replace(cls(), **values)


# ------------------------------------------------------------------------------------ README

README_BEGIN = "<!-- GENERATED:paper_check (python -m common.paper_check --readme) -->"
README_END = "<!-- /GENERATED:paper_check -->"
NAMES = {"dqn": "DQN (Nature)", "a3c": "A3C FF (Pong)", "memn2n_babi": "MemN2N bAbI, Table 1 joint model",
         "memn2n_lm": "MemN2N PTB LM (150 / 7 / 200)", "nas": "NAS CIFAR-10 search", "slac": "SLAC"}


def readme_table(results_dir: Path = ROOT / "results") -> str:
    """The README's table of the committed checks: one row per paper, the CPU check and, when
    one was made, the GPU check."""
    from common.results import fmt
    runs = {}
    for kind, name in (("cpu", "paper_check.json"), ("gpu", "paper_check_gpu.json")):
        if (results_dir / name).exists():
            runs[kind] = json.loads((results_dir / name).read_text())["checks"]
    if "cpu" not in runs:
        return "No paper check has been run yet: `make paper-check`."
    any_cpu = next(iter(runs["cpu"].values()))
    seconds = json.loads((results_dir / "paper_check.json").read_text())["seconds_per_slice"]
    lines = [f"Measured by `make paper-check` on {any_cpu.get('device', '?')}: each `paper` profile "
             f"trained for a time box of {seconds:g} s, then resumed (verified) for {max(seconds / 2, 3):g} s.",
             "GPU figures: " + (f"measured on {next(iter(runs['gpu'].values())).get('device')}."
                                if "gpu" in runs else "not yet measured (no GPU was available to us)."), "",
             "| paper profile | check | unit | seconds per unit (CPU) | paper budget | projected hours (CPU) "
             "| peak RSS (GB) | GPU: projected hours | hardware the paper's budget needs |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in runs["cpu"].items():
        gpu = runs.get("gpu", {}).get(name, {})
        budget = r.get("paper_budget_units")
        lines.append(f"| {NAMES.get(name, name)} | {'ok' if r.get('ok') else 'FAILED: ' + str(r.get('why'))} "
                     f"| {r.get('unit')} | {_sig(r.get('seconds_per_unit'))} "
                     f"| {budget:,.0f} | {fmt(r.get('projected_hours_this_machine'), 1)} "
                     f"| {fmt(r.get('peak_rss_gb'), 2)} | {fmt(gpu.get('projected_hours_this_machine'), 1)} "
                     f"| {r.get('hardware_paper_budget_needs')} |")
    lines.append("")
    for name, r in runs["cpu"].items():
        if r.get("projected_hours_to_paper_curve_end") is not None:
            lines.append(f"{NAMES[name]}: {fmt(r['projected_hours_to_paper_curve_end'], 0)} h here to the end of "
                         f"the paper's curves ({r['paper_curve_end_agent_steps']:,} agent steps = 500k env steps); "
                         f"the budget column is the official code's num_iterations.")
        if "search_loop" in r:
            lines.append(f"{NAMES[name]}: the seconds per unit are one child epoch at the paper's settings "
                         f"({r.get('child_measurement')}); the search loop itself (children cut at 15 s, "
                         f"controller updates, checkpoints) ran {fmt(r['search_loop'].get('seconds_per_unit'), 1)} s "
                         f"per child.")
    loads = [r.get("load_average_1min_after") for r in runs["cpu"].values() if r.get("load_average_1min_after")]
    if loads:
        lines.append(f"Load average (1 min) right after each check: {', '.join(fmt(v, 1) for v in loads)} "
                     f"(the check's own threads count: A3C runs 16 learner threads).")
    return "\n".join(lines)


def _sig(value) -> str:
    return "-" if value is None else f"{value:.3g}"


# ------------------------------------------------------------------------------------ driver

def _child(args) -> int:
    """One check in this process (the driver's subprocess); writes its JSON to --out."""
    result = {"device": device()}
    try:
        result.update(run_check(args.one, args.profile, args.seconds, Path(args.run_dir)))
    finally:
        result["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
        Path(args.out).write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m common.paper_check", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", nargs="*", default=list(CHECKS), choices=list(CHECKS),
                    help="checks to run (default: all six; MemN2N has two)")
    ap.add_argument("--seconds", type=float, default=150.0,
                    help="time box of slice 1 per check (slice 2 gets half); default 150")
    ap.add_argument("--profile", choices=["paper", "smoke"], default="paper")
    ap.add_argument("--out", type=Path, default=None,
                    help="output JSON (default: results/paper_check.json, or results/paper_check_gpu.json "
                         "when a GPU is visible; --profile smoke: results/smoke/paper_check.json)")
    ap.add_argument("--readme", action="store_true",
                    help="only rewrite the README's table from the committed results/paper_check*.json")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--run-dir", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        return _child(args)
    if args.readme:
        from common.results import write_between_markers
        write_between_markers(ROOT / "README.md", README_BEGIN, README_END, readme_table())
        return 0
    results, work = {}, Path(tempfile.mkdtemp(prefix="paper_check-"))
    try:
        for name in args.papers:
            part = work / f"{name}.json"
            print(f"[paper_check] {name}: {args.profile} profile, slice of {args.seconds:g} s, then a resume",
                  flush=True)
            t0 = time.time()
            proc = subprocess.run([sys.executable, "-m", "common.paper_check", "--one", name, "--profile",
                                   args.profile, "--seconds", str(args.seconds), "--run-dir", str(work / name),
                                   "--out", str(part)], cwd=ROOT)
            result = json.loads(part.read_text()) if part.exists() else {"ok": False}
            if proc.returncode != 0:
                result.update(ok=False, why=result.get("why") or f"check process exited with {proc.returncode}")
            result["wall_seconds"] = round(time.time() - t0, 1)
            result["load_average_1min_after"] = round(os.getloadavg()[0], 2)   # other work on the machine
            results[name] = result
            print(f"[paper_check] {name}: {'ok' if result.get('ok') else 'FAILED: ' + str(result.get('why'))}; "
                  f"{result.get('seconds_per_unit')} s per {result.get('unit')}, projected "
                  f"{result.get('projected_hours_this_machine')} h for the paper's budget here, peak RSS "
                  f"{result.get('peak_rss_gb')} GB", flush=True)
            shutil.rmtree(work / name, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    gpu = any(str(r.get("device", "")).startswith("GPU") for r in results.values())
    out = args.out or (ROOT / "results" / ("smoke" if args.profile == "smoke" else "")
                       / ("paper_check_gpu.json" if gpu else "paper_check.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and args.out is None:          # a re-check of some papers keeps the others' results
        results = {**json.loads(out.read_text())["checks"], **results}
    out.write_text(json.dumps({"seconds_per_slice": args.seconds, "checks": results}, indent=2) + "\n")
    print(f"[paper_check] wrote {out}", flush=True)
    if args.profile == "paper" and args.out is None:
        from common.results import write_between_markers
        write_between_markers(ROOT / "README.md", README_BEGIN, README_END, readme_table())
    return 0 if all(r.get("ok") for r in results.values()) else 1


if __name__ == "__main__":
    from common.errors import run_main
    run_main(main)
