"""Zoph & Le 2017: this paper's section of results/REPORT.md, from the run directories that
papers/nas/reproduce.py writes, the ground-truth table's record that papers/nas/simulate.py writes
(results_dir/sim_search.json and .md, budget cpu) and papers/nas/published/ only (no training, no
clock, no current commit).

    collect(budget, runs_root, results_dir)   the numbers: each search's children compared on the
                                              first N of both (N = the smaller count), their
                                              re-evaluations, the retrained best CIFAR-10 child,
                                              the CIFAR-10 searches' numbers per search seed with
                                              their mean and 95% t-interval over seeds,
                                              the benchmark (runs_root/nas/, else the committed
                                              results/nas copy), the simulated searches on the
                                              ground-truth table; draws the plots; keeps each
                                              controller run's retrained child in
                                              results_dir/weights/ (common/weights.py)
    evidence(facts)                           the flat numbers of evidence.json
    render(facts)                             the Markdown body, led by the ground-truth table's
                                              comparison when there is one
    section(budget, runs_root, results_dir)   all three, plus results_dir/evidence.json and
                                              (budget cpu) the README's results block

A search stopped before its budget is reported as PARTIAL with its number of children, and the
CIFAR-10 seed comparison as PARTIAL while fewer than 3 seeds are complete for both methods.
"""

from __future__ import annotations

import math
from pathlib import Path

from scipy import stats

from common import weights as kept_weights
from common.config import build, deviations_markdown
from common.report import (BUDGET, PROTOCOL, SMOKE, Section, measured_file, partial_note, plots_md, relink,
                           results_md, shown, write_evidence, write_readme_block)
from common.results import curve_plot, markdown_table, read_json, read_published, read_rows
from papers.nas import losses
from papers.nas.config import PROFILES, NASConfig
from papers.nas.reproduce import BUDGET_TAG, PAPER, SEARCH_SEEDS, SEARCHES, run_dir, search_runs

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
PUBLISHED = HERE / "published"
#: simulate.py's record of the searches on the ground-truth table (results_dir), and its evidence keys
SIM_FILE = "sim_search.json"
SIM_KEYS = ("table_architectures", "table_seeds_per_architecture", "table_seed_noise_std",
            "table_architecture_spread_std", "table_wall_hours", "sim_search_seeds_per_method",
            "sim_budget_architectures", "sim_controller_final_test_acc_mean", "sim_random_final_test_acc_mean",
            "sim_difference_ci95_low", "sim_difference_ci95_high", "sim_p_value")
#: the CIFAR-10 numbers reported per search seed: (key, label); the retrained best child exists
#: for the controller only, so it has no controller - random difference
SEED_METRICS = (("top1_val_acc", "best val acc"), ("top5_val_acc", "top-5 val acc"),
                ("top15_val_acc", "top-15 val acc"), ("top5_val_acc_reevaluated", "top-5 re-evaluated val acc"),
                ("best_test_acc", "best child retrained, test acc"))
METHODS = ("controller", "random")
#: fewest search seeds per method the seed comparison calls complete (a t-interval needs >= 2)
SEED_TARGET = 3
#: evidence keys of the seed comparison: cifar_search_seeds_per_method (seeds complete for both
#: methods), the seeds used, and per metric each method's values / mean / 95% t-interval and the
#: controller - random difference's mean / 95% Welch interval
SEED_KEYS = ("cifar_search_seeds_per_method", "cifar_search_seeds_used", *(
    f"cifar_seeds_{method}_{key}_{stat}" for key, _ in SEED_METRICS for method in METHODS
    if not (key == "best_test_acc" and method == "random") for stat in ("values", "mean", "ci95_low", "ci95_high")), *(
    f"cifar_seeds_difference_{key}_{stat}" for key, _ in SEED_METRICS if key != "best_test_acc"
    for stat in ("mean", "ci95_low", "ci95_high")))
#: evidence.json always holds these keys (null = not run yet)
EVIDENCE_KEYS = (
    "cifar_budget_architectures", "cifar_budget", "cifar_controller_top5_val_acc", "cifar_random_top5_val_acc",
    "cifar_controller_moving_avg_reward_first", "cifar_controller_moving_avg_reward_last",
    "cifar_random_moving_avg_reward_last", "cifar_controller_mean_val_acc_last_quarter",
    "cifar_random_mean_val_acc_last_quarter", "cifar_controller_run_complete", "cifar_random_run_complete",
    "cifar_run_commit", "cifar_best_test_error_first1000", "cifar_best_test_set", "cifar_best_arch",
    "ptb_budget", "ptb_budget_architectures", "ptb_controller_best_val_ppl", "ptb_random_best_val_ppl",
    "ptb_controller_run_complete", "ptb_random_run_complete",
    "child_evals_per_hour_1_worker", "child_evals_per_hour_2_workers", *SIM_KEYS, *SEED_KEYS)
#: Table 1 row of each search space (config field `space`)
TABLE1_ROW = {"v1": "NAS v1", "strides": "NAS v2", "pooling": "NAS v3 max pooling ("}
#: (search name prefix, metric of a child) of the two comparisons
TASKS = {"cifar10": "val_acc", "ptb": "val_ppl"}


# ---------------------------------------------------------------------------------- collect()
def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _mean(values) -> float:
    values = [v for v in values if math.isfinite(v)]
    return sum(values) / len(values) if values else float("nan")


def _wall_minutes(d: Path) -> float:
    """Search wall time from metrics.csv: `wall_time` restarts at each resume, so the maxima of
    its increasing segments are summed (time lost after the last checkpoint of a crash is not)."""
    total, seg = 0.0, 0.0
    for row in read_rows(d / "metrics.csv"):
        w = _num(row.get("wall_time"))
        if not math.isfinite(w):
            continue
        if w < seg:
            total += seg
        seg = w
    total += seg
    return total / 60.0 if total else float("nan")


def _running(values, largest, k=5):
    """Mean of the best k values seen so far, after each child (nan until k are seen)."""
    out, seen = [], []
    for v in values:
        if math.isfinite(v):
            seen = sorted(seen + [v], reverse=largest)[:k]
        out.append(sum(seen) / k if len(seen) == k else float("nan"))
    return out


def search_summary(d: Path, name: str, metric: str, n: int | None = None) -> dict:
    """Children of one run (first n), their moving-average reward and top-k statistics."""
    cfg = (read_json(d / "config.json") or {}).get("config", {})
    children = read_rows(d / "children.csv")[:n]
    rewards = [_num(r["reward"]) for r in children]
    values = [_num(r[metric]) for r in children if r["status"] == "ok"]
    ema, b = [], None
    for r in rewards:                      # the same EMA for both searches (the controller's baseline)
        b = losses.ema_baseline(b, [r], cfg.get("baseline_decay", 0.8))
        ema.append(b)
    largest = metric == "val_acc"
    top = sorted([v for v in values if math.isfinite(v)], reverse=largest)
    q = max(len(rewards) // 4, 1)
    metrics = read_rows(d / "metrics.csv")
    return {"name": name, "children": len(children), "total": cfg.get("total_architectures"),
            "complete": (d / "DONE").exists(), "failed": sum(r["status"] != "ok" for r in children),
            "ema": ema, "top1": top[0] if top else float("nan"),
            "top5": sum(top[:5]) / len(top[:5]) if top else float("nan"),
            "top15": sum(top[:15]) / len(top[:15]) if top else float("nan"),
            "mean_reward_first_quarter": sum(rewards[:q]) / q if rewards else float("nan"),
            "mean_reward_last_quarter": sum(rewards[-q:]) / q if rewards else float("nan"),
            "mean_value_last_quarter": _mean([_num(r[metric]) for r in children[-q:] if r["status"] == "ok"]),
            "running_best": _running(values, largest),
            "commit": (read_json(d / "versions.json") or {}).get("git_commit"),
            "updates": int(_num(metrics[-1]["updates"])) if metrics else 0,
            "wall_min": _wall_minutes(d), "config": cfg}


def _state(d: Path) -> tuple[str, int, int | None]:
    """('complete' | 'partial' | 'not started', children so far, planned children) of a search run."""
    cfg = (read_json(d / "config.json") or {}).get("config", {})
    k = len(read_rows(d / "children.csv"))
    if (d / "DONE").exists():
        return "complete", k, cfg.get("total_architectures")
    return ("partial" if k or cfg else "not started"), k, cfg.get("total_architectures")


def _comparison(dirs: dict, task: str) -> dict:
    """Controller vs random search of one task on the first n children of each: {"n": 0} while one
    of them has none; "any": whether either has children; "reeval": both reeval.json, or None."""
    names = (f"{task}-controller", f"{task}-random")
    counts = [len(read_rows(dirs[name] / "children.csv")) for name in names]
    n = min(counts)
    out = {"n": n, "any": any(counts)}
    if n:
        out["c"], out["r"] = (search_summary(dirs[name], name, TASKS[task], n) for name in names)
        recs = {name: read_json(dirs[name] / "reeval.json") for name in names}
        out["reeval"] = None if any(r is None for r in recs.values()) else recs
    return out


def t_interval(values, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of the Student t-interval over seeds: mean +- t_{(1+level)/2, n-1} s / sqrt(n),
    s the sample standard deviation (n - 1); low = high = nan with fewer than 2 values."""
    values = [v for v in values if math.isfinite(v)]
    n = len(values)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan"), float("nan")
    s = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf((1 + level) / 2, n - 1) * s / math.sqrt(n)
    return mean, mean - half, mean + half


def welch_interval(a, b, level: float = 0.95) -> tuple[float, float, float]:
    """(mean(a) - mean(b), low, high): Welch's t-interval of a difference of two independent means,
    df = (va/na + vb/nb)^2 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1)); nan bounds unless both have >= 2."""
    a, b = [v for v in a if math.isfinite(v)], [v for v in b if math.isfinite(v)]
    if not a or not b:
        return float("nan"), float("nan"), float("nan")
    diff = sum(a) / len(a) - sum(b) / len(b)
    if len(a) < 2 or len(b) < 2:
        return diff, float("nan"), float("nan")
    ea, eb = (stats.tvar(x) / len(x) for x in (a, b))      # squared standard errors (variance with n - 1)
    if ea + eb == 0:
        return diff, diff, diff
    df = (ea + eb) ** 2 / (ea ** 2 / (len(a) - 1) + eb ** 2 / (len(b) - 1))
    half = stats.t.ppf((1 + level) / 2, df) * math.sqrt(ea + eb)
    return diff, diff - half, diff + half


def _seed_row(d: Path, name: str, seed: int) -> dict:
    """One CIFAR-10 search run's seed-level numbers (all its children; nan where not measured yet)."""
    state, k, total = _state(d)
    row = {"seed": seed, "dir": d, "state": state, "children": k, "total": total, "commit": None, "config": {}}
    row.update(dict.fromkeys((key for key, _ in SEED_METRICS), float("nan")))
    if k:
        s = search_summary(d, name, "val_acc")
        rec, final = read_json(d / "reeval.json"), read_json(d / "final" / "final.json")
        row.update(top1_val_acc=s["top1"], top5_val_acc=s["top5"], top15_val_acc=s["top15"],
                   commit=s["commit"], config=s["config"])
        if rec is not None:
            row["top5_val_acc_reevaluated"] = _num(rec["reeval_top_mean"])
        if final is not None:
            row["best_test_acc"] = 1.0 - _num(final["test_error_pct"]) / 100.0
    return row


def _seeds(runs_root: Path, budget: str) -> dict:
    """The CIFAR-10 searches of every seed of the budget: each run's row, the seeds complete for both
    methods ("both"), and per metric each method's values over those seeds with mean and 95%
    t-interval, and the controller - random difference (Welch). Only complete searches enter."""
    seeds = SEARCH_SEEDS[budget]
    rows = {m: [_seed_row(run_dir(runs_root, f"cifar10-{m}", budget, seed), f"cifar10-{m}", seed) for seed in seeds]
            for m in METHODS}
    both = [seed for seed, c, r in zip(seeds, rows["controller"], rows["random"])
            if c["state"] == r["state"] == "complete"]
    out = {"seeds": seeds, "rows": rows, "both": both, "stats": {}}
    for key, _ in SEED_METRICS:
        per = {}
        for m in METHODS:
            values = {row["seed"]: row[key] for row in rows[m] if row["seed"] in both and math.isfinite(row[key])}
            per[m] = (values, *t_interval(list(values.values())))
        diff = welch_interval(list(per["controller"][0].values()), list(per["random"][0].values()))
        out["stats"][key] = {**per, "difference": None if key == "best_test_acc" else diff}
    # fields in which the runs differ, besides `search` itself (the variable the comparison is about)
    configs = [row["config"] for m in METHODS for row in rows[m] if row["config"]]
    out["config_diff"] = sorted(({k for c in configs for k in c if c.get(k) != configs[0].get(k)}
                                 | {k for c in configs for k in configs[0] if k not in c}) - {"search"})
    return out


def _plots(f: dict, results_dir: Path) -> None:
    """The moving-average reward of both searches (CIFAR-10, PTB) and CIFAR-10's top-5 so far."""
    scale = f["scale"]
    for task, title, what in (("cifar10", "CIFAR-10 search", "EMA (decay {decay}) of reward = val_acc^3"),
                              ("ptb", "PTB cell search", "EMA of reward = {c:g} / ppl^2")):
        cmp = f[task]
        if not cmp["n"]:
            continue
        c, r, cfg, xs = cmp["c"], cmp["r"], cmp["c"]["config"], list(range(1, cmp["n"] + 1))
        curve_plot({"controller (REINFORCE)": (xs, c["ema"]), "random search": (xs, r["ema"])},
                   results_dir / f"{task}_moving_avg_reward.png", f"{title} ({scale}): moving-average reward",
                   "children evaluated", what.format(decay=cfg.get("baseline_decay"), c=cfg.get("ppl_reward_c", 0)))
        if task == "cifar10":
            curve_plot({"controller": (list(range(1, len(c["running_best"]) + 1)), c["running_best"]),
                        "random search": (list(range(1, len(r["running_best"]) + 1)), r["running_best"])},
                       results_dir / "cifar10_top5_val_acc.png",
                       f"CIFAR-10 search ({scale}): top-5 validation accuracy so far",
                       "successful children", "mean of the 5 best validation accuracies")


def _missing(f: dict) -> list[str]:
    """What a partial section lacks, in the order the report says it."""
    missing = []
    for name, (state, k, total) in f["states"].items():
        if state == "not started":
            missing.append(f"`{f['dirs'][name].name}` not started")
        elif state == "partial":
            missing.append(f"`{f['dirs'][name].name}` stopped at {k} of {total} children")
    for row in _extra_rows(f):           # the CIFAR-10 searches of seeds > 0
        if row["state"] == "not started":
            missing.append(f"`{row['dir'].name}` not started")
        elif row["state"] == "partial":
            missing.append(f"`{row['dir'].name}` stopped at {row['children']} of {row['total']} children")
        else:
            if not (row["dir"] / "reeval.json").exists():
                missing.append(f"the re-evaluation of `{row['dir'].name}`'s top-5 architectures (`reeval.json`)")
            if "controller" in row["dir"].name and not (row["dir"] / "final" / "final.json").exists():
                missing.append(f"the retraining of `{row['dir'].name}`'s best child (`final/final.json`)")
    both_complete = {task: f["states"][f"{task}-controller"][0] == f["states"][f"{task}-random"][0] == "complete"
                     for task in TASKS}
    what = {"cifar10": ("CIFAR-10", "architectures"), "ptb": ("PTB", "cells")}
    for task in TASKS:
        if f[task]["n"] and f[task]["reeval"] is None and both_complete[task]:
            missing.append(f"the re-evaluation of the {what[task][0]} searches' top-5 {what[task][1]} (`reeval.json`)")
        elif not f[task]["n"] and f[task]["any"]:
            missing.append(f"the {what[task][0]} comparison (one of the two searches has no children yet)")
        if task == "cifar10" and f["final"] is None:
            missing.append("the retraining of the best CIFAR-10 child (`final/final.json` of the controller run)")
    if f["bench"] is None and f["budget"] != SMOKE:
        missing.append("the benchmark (`nas/benchmark.json`)")
    if f["sim"] is None and f["budget"] == "cpu":
        missing.append("the simulated searches on the ground-truth table (`python -m papers.nas.table`, then "
                       "`python -m papers.nas.simulate`)")
    return missing


def _extra_rows(f: dict) -> list[dict]:
    """The seed rows of the CIFAR-10 searches beyond seed 0 (seed 0's runs are f["dirs"])."""
    return [row for m in METHODS for row in f["seeds"]["rows"][m] if row["seed"]]


def _all_dirs(f: dict) -> dict[str, Path]:
    """Every search run directory of the budget: {search name (seed 0) or <name>-seed<seed>: dir}."""
    return {**f["dirs"], **{f"cifar10-{m}-seed{row['seed']}": row["dir"]
                            for m in METHODS for row in f["seeds"]["rows"][m] if row["seed"]}}


def keep_children(dirs: list[Path], results_dir: Path) -> dict[str, dict]:
    """The retrained best child of each run that has one (final/child.weights.h5), kept as
    results_dir/weights/<run>-best-child.weights.h5 with the record `evaluate --weights` rebuilds
    it from; {run name: common.weights.keep's answer}."""
    from papers.nas.evaluate import CHILD_WEIGHTS, weights_record
    return {d.name: kept_weights.keep(d / "final" / CHILD_WEIGHTS, results_dir, f"{d.name}-best-child",
                                      weights_record(d))
            for d in sorted(set(dirs)) if (d / "final" / CHILD_WEIGHTS).exists()}


def collect(budget: str, runs_root: Path, results_dir: Path) -> dict:
    """Everything the section says, as a plain dict; draws the plots and copies benchmark.json."""
    runs_root, results_dir = Path(runs_root), Path(results_dir)
    dirs = {name: run_dir(runs_root, name, budget) for name in SEARCHES}
    f = {"budget": budget, "dirs": dirs, "states": {name: _state(d) for name, d in dirs.items()},
         "paper_cfg": build(NASConfig, PROFILES, "paper")[0],
         "scale": {"cpu": "CPU-scale", "smoke": "toy smoke-budget"}.get(budget, "paper-budget"),
         "cifar10": _comparison(dirs, "cifar10"), "ptb": _comparison(dirs, "ptb"),
         "published": read_published(PUBLISHED / "nas_cifar10.csv"),
         "ptb_pub": [p for p in read_published(PUBLISHED / "nas_ptb.csv") if "bpc" not in p["model"]],
         "final": read_json(dirs["cifar10-controller"] / "final" / "final.json"),
         "seeds": _seeds(runs_root, budget),
         "bench": None, "bench_from": "",
         "sim": read_json(results_dir / SIM_FILE) if budget == "cpu" else None}
    f["cifar_cfg"] = f["cifar10"]["c"]["config"] if f["cifar10"]["n"] else {}
    space = f["cifar_cfg"].get("space", "v1")
    f["table1_row"] = TABLE1_ROW.get(space, "NAS v1")
    f["paper_row"] = next((p for p in f["published"] if p["model"].startswith(f["table1_row"])), f["published"][0])
    f["nas_best"] = min((p for p in f["ptb_pub"] if p["model"].startswith("NAS cell, base")),
                        key=lambda p: _num(p["test_ppl"]))
    if budget != SMOKE:                 # run() skips it there: a throughput of toy children would mean nothing
        bench_path, f["bench_from"] = measured_file(PAPER, "benchmark.json", runs_root, results_dir)
        f["bench"] = read_json(bench_path) if bench_path else None
    if f["sim"] is not None:
        f["sim_md"] = (results_dir / SIM_FILE).with_suffix(".md").read_text().rstrip()
    results_dir.mkdir(parents=True, exist_ok=True)
    f["kept"] = keep_children(list(_all_dirs(f).values()), results_dir)
    _plots(f, results_dir)
    f["missing"] = _missing(f)
    f["status"] = _status(f)
    return f


def _status(f: dict) -> str:
    dirs, states, extra = f["dirs"], f["states"], _extra_rows(f)
    started = (any(k for _, k, _ in states.values()) or any(row["children"] for row in extra)
               or f["final"] is not None or f["sim"] is not None)
    done = (all(s == "complete" for s, _, _ in states.values()) and f["final"] is not None
            and all(row["state"] == "complete" for row in extra)
            and all((d / "reeval.json").exists() for d in _all_dirs(f).values())
            and all((row["dir"] / "final" / "final.json").exists() for row in extra
                    if "controller" in row["dir"].name)
            and (f["bench"] is not None or f["budget"] == SMOKE) and (f["sim"] is not None or f["budget"] != "cpu"))
    return "complete" if done else ("partial" if started else "not run")


# ---------------------------------------------------------------------------------- evidence()
def _cifar_budget(cmp: dict) -> str:
    n, cfg = cmp["n"], cmp["c"]["config"]
    return (f"{n} children per search (first {n} completed of each run), {cfg['start_layers']} conv layers, "
            f"filters {cfg['num_filters']}, kernels {cfg['filter_heights']}, {cfg['child_epochs']} epochs on "
            f"{cfg['train_size']} training images at {cfg['image_size']}x{cfg['image_size']}, reward on "
            f"{cfg['val_size']} validation images; m = {cfg['architectures_per_update']}, "
            f"{cfg['workers']} Ray workers")


def _ptb_budget(cmp: dict) -> str:
    cfg = cmp["c"]["config"]
    return (f"{cmp['n']} children per search, base-{cfg['cell_base']} cells, 2-layer LM of {cfg['ptb_hidden']} units, "
            f"{cfg['ptb_epochs']} epoch on the first {cfg['ptb_train_tokens']} training tokens, perplexity on the "
            f"first {cfg['ptb_val_tokens']} validation tokens; m = {cfg['architectures_per_update']}")


def _reevaluated(cmp: dict) -> dict[str, float]:
    """{search name: mean over its top architectures re-evaluated}, {} while a reeval.json is missing."""
    return {name: rec["reeval_top_mean"] for name, rec in (cmp.get("reeval") or {}).items()}


def evidence(f: dict) -> dict:
    """evidence.json: flat, keys sorted; null = not run yet; commit = the runs' commit (versions.json)."""
    ev: dict = dict.fromkeys(EVIDENCE_KEYS)
    cifar, ptb = f["cifar10"], f["ptb"]
    if cifar["n"]:
        c, r = cifar["c"], cifar["r"]
        ev.update(cifar_budget_architectures=cifar["n"], cifar_budget=_cifar_budget(cifar),
                  cifar_controller_top5_val_acc=round(c["top5"], 4), cifar_random_top5_val_acc=round(r["top5"], 4),
                  cifar_controller_moving_avg_reward_first=round(c["ema"][0], 5),
                  cifar_controller_moving_avg_reward_last=round(c["ema"][-1], 5),
                  cifar_random_moving_avg_reward_last=round(r["ema"][-1], 5),
                  cifar_controller_mean_val_acc_last_quarter=round(c["mean_value_last_quarter"], 4),
                  cifar_random_mean_val_acc_last_quarter=round(r["mean_value_last_quarter"], 4),
                  cifar_controller_run_complete=c["complete"], cifar_random_run_complete=r["complete"],
                  cifar_run_commit=c["commit"])
        for name, value in _reevaluated(cifar).items():
            ev[f"cifar_{name.split('-')[1]}_top5_val_acc_reevaluated"] = value
    if f["final"] is not None:
        ev.update(cifar_best_test_error_first1000=f["final"]["test_error_pct"],
                  cifar_best_test_set=f["final"]["test_set"], cifar_best_arch=f["final"]["arch"])
        best = f["kept"].get(f["dirs"]["cifar10-controller"].name)
        ev["cifar_best_weights"] = shown(best["path"]) if best and best["kept"] else None
        ev["cifar_best_child_weights"] = [shown(k["path"]) for k in f["kept"].values() if k["kept"]]
    if ptb["n"]:
        c, r = ptb["c"], ptb["r"]
        ev.update(ptb_budget_architectures=ptb["n"], ptb_budget=_ptb_budget(ptb),
                  ptb_controller_best_val_ppl=round(c["top1"], 2), ptb_random_best_val_ppl=round(r["top1"], 2),
                  ptb_controller_run_complete=c["complete"], ptb_random_run_complete=r["complete"])
        for name, value in _reevaluated(ptb).items():
            ev[f"ptb_{name.split('-')[1]}_top5_val_ppl_reevaluated"] = value
    if f["bench"] is not None:
        by = {row["workers"]: row for row in f["bench"]["settings"]}
        ev["child_evals_per_hour_1_worker"] = by.get(1, {}).get("evals_per_hour")
        ev["child_evals_per_hour_2_workers"] = by.get(2, {}).get("evals_per_hour")
    if f["sim"] is not None:
        ev.update(f["sim"]["evidence"])
    ev.update(_seed_evidence(f["seeds"]))
    run_commits = {}                    # seed 0 in SEARCHES order (sorted), then <name>-seed<n>
    for name, d in _all_dirs(f).items():
        v = read_json(d / "versions.json")
        if v and v.get("git_commit"):
            run_commits[name] = v["git_commit"] + ("+dirty" if v.get("git_dirty") else "")
    ev.update(run_commits=run_commits, reduced_search=f["budget"] == "cpu", budget=f["budget"], status=f["status"],
              commit=(run_commits.get("cifar10-controller") or next(iter(run_commits.values()), "")).split("+")[0]
              or None)
    return dict(sorted(ev.items()))


def _round(x: float, digits: int = 4):
    return round(x, digits) if math.isfinite(x) else None


def _seed_evidence(seeds: dict) -> dict:
    """The seed comparison's evidence keys (SEED_KEYS): null where fewer seeds than a value needs."""
    ev = {"cifar_search_seeds_per_method": len(seeds["both"]), "cifar_search_seeds_used": list(seeds["both"])}
    for key, _ in SEED_METRICS:
        st = seeds["stats"][key]
        for m in METHODS:
            if key == "best_test_acc" and m == "random":
                continue
            values, mean, low, high = st[m]
            ev.update({f"cifar_seeds_{m}_{key}_values": [_round(v) for v in values.values()] or None,
                       f"cifar_seeds_{m}_{key}_mean": _round(mean), f"cifar_seeds_{m}_{key}_ci95_low": _round(low),
                       f"cifar_seeds_{m}_{key}_ci95_high": _round(high)})
        if st["difference"] is not None:
            diff, low, high = st["difference"]
            ev.update({f"cifar_seeds_difference_{key}_mean": _round(diff),
                       f"cifar_seeds_difference_{key}_ci95_low": _round(low),
                       f"cifar_seeds_difference_{key}_ci95_high": _round(high)})
    return ev


# ---------------------------------------------------------------------------------- render()
def _label(s: dict) -> str:
    state = "complete" if s["complete"] else f"PARTIAL: stopped at {s['children']} of {s['total']}"
    return f"{s['name']} ({state})"


def _sources(rows: list[dict]) -> tuple[str, dict[str, int]]:
    """'[1] source; [2] ...' and each source's number, in first-seen order."""
    seen = []
    for r in rows:
        if r["source"] not in seen:
            seen.append(r["source"])
    return "; ".join(f"[{i}] {s}" for i, s in enumerate(seen, 1)), {s: i for i, s in enumerate(seen, 1)}


def _minutes(m: float) -> str:
    return f"{m:.0f} min" if math.isfinite(m) else "-"


def _reeval_md(cmp: dict, task: str, what: str) -> list[str]:
    """The table of the two searches' top-5 architectures retrained from fresh seeds
    (reeval.json, papers/nas/reevaluate.py); [] while missing."""
    recs = cmp.get("reeval")
    if not recs:
        return []
    rows = [[name, f"{r['top']} distinct", len(r["seeds"]), f"{r['val_size']:,}", r["search_top_mean"],
             r["reeval_top_mean"]] for name, r in recs.items()]
    r = next(iter(recs.values()))
    unit = "validation images" if task == "cifar10" else "validation tokens"
    return [f"Re-evaluation of the found architectures: each search's {r['top']} best distinct architectures, "
            f"retrained from {len(r['seeds'])} fresh seeds with the search's child settings and scored on "
            f"{r['val_size']:,} {unit}; mean {what} over architectures of the per-architecture mean over seeds "
            "(`papers/nas/reevaluate.py`, `reeval.json` in each run). A search's own top-5 is a maximum over "
            "single noisy trainings; this measures the architectures themselves, the same way for both searches.", "",
            markdown_table(["run", "architectures", "seeds each", unit, f"{what}, search's own top-5",
                            f"{what}, re-evaluated"], rows, digits=4 if task == "cifar10" else 1), ""]


def _cifar_md(f: dict) -> list[str]:
    cmp = f["cifar10"]
    if not cmp["n"]:
        return []
    rows = [[_label(s), s["children"], s["failed"], s["mean_reward_first_quarter"], s["mean_reward_last_quarter"],
             s["ema"][-1], s["mean_value_last_quarter"], s["top1"], s["top5"]] for s in (cmp["c"], cmp["r"])]
    return ["#### CIFAR-10 CNN search: controller vs random search (same budget, search seed 0)", "",
            markdown_table(["run", "children", "failed", "mean reward, first 1/4", "mean reward, last 1/4",
                            "final moving-avg reward", "mean val acc, last 1/4", "best val acc",
                            "top-5 val acc"], rows, digits=4), "",
            "The paper shows no CIFAR-10 search curve or validation accuracies of its children to compare "
            "with; its control experiment (RL vs random search) is on the PTB search.", "",
            *_reeval_md(cmp, "cifar10", "val acc")]


def _fmt(x: float, digits: int = 4, sign: bool = False) -> str:
    return (f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}") if math.isfinite(x) else "-"


def _interval(mean: float, low: float, high: float, n: int, sign: bool = False) -> str:
    """'0.3012 [0.2900, 0.3124] (n = 3)'; no bounds with one value."""
    if not n:
        return "-"
    bounds = f" [{_fmt(low, sign=sign)}, {_fmt(high, sign=sign)}]" if math.isfinite(low) else ""
    return f"{_fmt(mean, sign=sign)}{bounds} (n = {n})"


def _seeds_md(f: dict) -> list[str]:
    """The CIFAR-10 searches per search seed, their mean and 95% t-interval over seeds per method, and
    the controller - random difference; labelled PARTIAL while fewer than SEED_TARGET seeds are
    complete for both methods. [] while no seed has children."""
    sd = f["seeds"]
    rows = [row for m in METHODS for row in sd["rows"][m]]
    if not any(row["children"] for row in rows):
        return []
    n, planned = len(sd["both"]), len(sd["seeds"])
    table = [[row["dir"].name, row["seed"],
              "complete" if row["state"] == "complete" else f"PARTIAL: {row['children']} of {row['total']}"
              if row["state"] == "partial" else "not started", row["children"],
              *(_fmt(row[key]) for key, _ in SEED_METRICS), (row["commit"] or "-")[:8]] for row in rows]
    summary = []
    for key, label in SEED_METRICS:
        st = sd["stats"][key]
        cells = [_interval(*st[m][1:], len(st[m][0])) if not (key == "best_test_acc" and m == "random")
                 else "- (controller only)" for m in METHODS]
        diff = st["difference"]
        cells.append("-" if diff is None else
                     _interval(*diff, min(len(st["controller"][0]), len(st["random"][0])), sign=True))
        summary.append([label, *cells])
    if n >= SEED_TARGET:
        state = f"{n} search seeds complete for both methods ({', '.join(map(str, sd['both']))})."
    else:
        state = (f"**PARTIAL: {n} of the {SEED_TARGET} search seeds per method that the comparison needs are "
                 f"complete for both methods** (budget `{f['budget']}` plans {planned} per method"
                 + ("; an interval needs at least 2" if n < 2 else "; with 2 seeds the interval is very wide")
                 + ").")
    out = ["#### CIFAR-10 search across search seeds: controller vs random search", "", state, "",
           markdown_table(["run", "seed", "state", "children", *(label for _, label in SEED_METRICS), "commit"],
                          table), "",
           markdown_table(["number (complete seeds only)", "controller: mean [95% CI]", "random: mean [95% CI]",
                           "controller - random [95% CI]"], summary), "",
           "Each search seed is one whole search (controller or random, its own children). The best/top-5/top-15 "
           "val acc are means of a search's best 1/5/15 successful children's validation accuracies (fewer when it "
           "has fewer), over all its children; "
           "\"re-evaluated\" is `reeval.json`'s mean over its top-5 distinct architectures retrained from 3 fresh "
           "seeds; the retrained best child exists for the controller only. Intervals: 95% Student t-intervals "
           "over the seeds complete for both methods, mean +- t_{0.975, n-1} s / sqrt(n); the difference uses "
           "Welch's t-interval, unpaired (the two methods' searches are separate runs that sample different "
           "architectures; the interval does not rely on pairing seed s of one with seed s of the other). With 3 seeds a bootstrap interval is unreliable (3 values "
           "have only 10 distinct resamples and the percentile interval undercovers), so the t-interval, which "
           "assumes roughly normal seed values, is the standard choice.", ""]
    if sd["config_diff"]:
        out += [f"The seeds' runs differ in config fields {', '.join(f'`{k}`' for k in sd['config_diff'])} "
                "(each run's `config.json`); their numbers are not from one protocol.", ""]
    commits = {row["commit"] for row in rows if row["commit"]}
    if len(commits) > 1:
        out += [f"The seeds' runs were made at {len(commits)} different commits (column `commit`).", ""]
    return out


def _final_md(f: dict) -> list[str]:
    final, published, cfg = f["final"], f["published"], f["cifar_cfg"]
    if final is None:
        return []
    legend, ids = _sources(published)
    rows = [[p["model"], p["depth"] or "-", p["params_M"] or "-", p["test_error_pct"],
             f"paper [{ids[p['source']]}]"] for p in published]
    image = f" at {cfg['image_size']}x{cfg['image_size']}" if cfg else ""
    rows.append([f"best child of our {f['scale']} search: `{final['arch']}`".replace("|", "\\|"),
                 len(final["arch"].split("|")), f"{final['params'] / 1e6:.3f}", final["test_error_pct"],
                 f"ours: {final['test_set']}, retrained {final['final_epochs']} epochs on "
                 f"{final['final_train_size']} images{image}"])
    return ["#### Best found CIFAR-10 architecture, retrained, next to the paper's Table 1", "",
            markdown_table(["model", "depth", "params (M)", "test error %", "source"], rows, digits=2), "",
            f"Published numbers: `papers/nas/published/nas_cifar10.csv`; sources: {legend}.", "",
            _kept_md(f), ""]


def _kept_md(f: dict) -> str:
    """Where the retrained children are kept and the command that measures their test error again."""
    best = f["kept"].get(f["dirs"]["cifar10-controller"].name)
    if best is None:
        return "The retrained child of our row is not kept: its run directory has no `final/child.weights.h5`."
    if not best["kept"]:
        return kept_weights.markdown(best, PAPER, "our row")
    path = shown(best["path"])
    text = (f"The retrained child of our row is kept ({best['bytes'] / 2**10:.0f} KB, `{path}`, with its record); "
            f"`python -m papers.nas.evaluate --weights {path}` measures its test error again (same test images, "
            f"same input normalisation).")
    others = ", ".join(f"`{shown(k['path'])}`" for k in f["kept"].values() if k["kept"] and k is not best)
    if others:
        text += f" The other controller seeds' retrained children are kept beside it: {others}."
    return text


def _ptb_md(f: dict) -> list[str]:
    cmp, ptb_pub = f["ptb"], f["ptb_pub"]
    if not cmp["n"]:
        return []
    rows = [[_label(s), s["children"], s["failed"], f"{s['ema'][-1]:.3g}", s["mean_value_last_quarter"], s["top1"],
             s["top5"]] for s in (cmp["c"], cmp["r"])]
    legend, ids = _sources(ptb_pub)
    return ["#### PTB recurrent-cell search: controller vs random search (same budget)", "",
            markdown_table(["run", "children", "failed", "final moving-avg reward", "mean val ppl, last 1/4",
                            "best val ppl", "mean of best-5 val ppl"], rows, digits=1), "",
            "The paper's PTB numbers (Table 2) are test perplexities of the best cell trained at full scale; "
            "ours are validation perplexities of proxy children and are not comparable in value:", "",
            markdown_table(["model", "params (M)", "test ppl", "source"],
                           [[p["model"], p["params_M"] or "-", p["test_ppl"], f"[{ids[p['source']]}]"]
                            for p in ptb_pub]), "",
            f"Published numbers: `papers/nas/published/nas_ptb.csv`; sources: {legend}.", "",
            *_reeval_md(cmp, "ptb", "val ppl")]


def _bench_md(f: dict) -> list[str]:
    bench = f["bench"]
    if f["budget"] == SMOKE:
        return ["#### Child evaluations per hour", "", "benchmark: not measured at the smoke budget.", ""]
    if bench is None:
        return []
    by = {row["workers"]: row for row in bench["settings"]}
    return ["#### Child evaluations per hour (measured on 2 shared CPU cores)", "",
            markdown_table(["Ray workers", "children timed", "wall s", "evaluations / hour", "start-up s"],
                           [[w, by[w]["children"], by[w]["wall_s"], by[w]["evals_per_hour"], by[w]["startup_s"]]
                            for w in sorted(by)], digits=1), "",
            f"Child: {bench['child']} (profile `{bench.get('profile', '?')}`). From {f['bench_from']}. "
            f"The paper gives no throughput; it trained 800 children at once on 800 GPUs.", ""]


def _cifar_budget_rows(f: dict) -> list[list]:
    cmp, p = f["cifar10"], f["paper_cfg"]
    rows = []
    if cmp["n"]:
        n, c, r, cfg = cmp["n"], cmp["c"], cmp["r"], cmp["c"]["config"]
        rows += [
            ["CIFAR-10: children per search", f"{p.total_architectures:,}", f"{n} (first {n} of each run)"],
            ["CIFAR-10: controller updates (m children each)",
             f"{p.total_architectures // p.architectures_per_update:,} (m = {p.architectures_per_update})",
             f"{c['updates']} (m = {cfg['architectures_per_update']})"],
            ["CIFAR-10: children trained at once", f"{p.workers} (GPUs)", f"{cfg['workers']} (Ray workers on CPU)"],
            ["CIFAR-10: child network",
             f"{p.start_layers} conv layers, +{p.layers_increment} every {p.curriculum_every:,} "
             f"children; filters {list(p.num_filters)}",
             f"{cfg['start_layers']} conv layers" + (" (no curriculum step reached)"
                                                     if cfg["curriculum_every"] >= n else "")
             + f"; filters {cfg['num_filters']}"],
            ["CIFAR-10: child training",
             f"{p.child_epochs} epochs on {p.train_size:,} images at {p.image_size}x{p.image_size}",
             f"{cfg['child_epochs']} epochs on {cfg['train_size']:,} images at {cfg['image_size']}x{cfg['image_size']}"],
            ["CIFAR-10: reward's validation images", f"{p.val_size:,}", f"{cfg['val_size']:,}"],
            ["CIFAR-10: search wall time", "~4 weeks on 800 GPUs (secondary estimate)",
             f"controller {_minutes(c['wall_min'])}, random {_minutes(r['wall_min'])} (metrics.csv)"]]
    if f["final"] is not None:
        final = f["final"]
        rows.append(["CIFAR-10: final model",
                     f"grid search (lr, weight decay, BN epsilon, lr-decay epoch), trained to convergence "
                     f"on {p.final_train_size:,} images; full 10,000-image test set",
                     f"trained once, {final['final_epochs']} epochs on {final['final_train_size']:,} images; "
                     f"{final['test_set']}"])
    return rows


def _ptb_budget_rows(f: dict) -> list[list]:
    cmp, p = f["ptb"], f["paper_cfg"]
    if not cmp["n"]:
        return []
    c, r, cfg = cmp["c"], cmp["r"], cmp["c"]["config"]
    full_train = "all (929k)" if not p.ptb_train_tokens else f"{p.ptb_train_tokens:,}"
    full_val = "all (73k)" if not p.ptb_val_tokens else f"{p.ptb_val_tokens:,}"
    return [
        ["PTB: children per search", "not given in our sources", f"{cmp['n']}"],
        ["PTB: children trained at once", "400 (CPUs)", f"{cfg['workers']} (Ray workers on CPU)"],
        ["PTB: child network and training",
         f"{p.ptb_layers}-layer LM of {p.ptb_hidden} units, {p.ptb_epochs} epochs on {full_train} training tokens",
         f"{cfg['ptb_layers']}-layer LM of {cfg['ptb_hidden']} units, {cfg['ptb_epochs']} epoch(s) on the first "
         f"{cfg['ptb_train_tokens']:,} training tokens"],
        ["PTB: reward's validation tokens", full_val, f"first {cfg['ptb_val_tokens']:,}"],
        ["PTB: search wall time", "not given in our sources",
         f"controller {_minutes(c['wall_min'])}, random {_minutes(r['wall_min'])} (metrics.csv)"]]


def _budget_md(f: dict) -> list[str]:
    rows = _cifar_budget_rows(f) + _ptb_budget_rows(f)
    if not rows:
        return []
    seeds = ", ".join(map(str, f["seeds"]["seeds"]))
    return [BUDGET, "", markdown_table(["", "paper", "ours"], rows), "",
            f"CIFAR-10: search seeds {seeds} per method (the rows above are seed 0's runs; the other seeds' runs "
            "use the same profile); PTB: one seed (0) per search. Paper values from `config.py` (profile "
            "`paper`), ours from each run's `config.json` and `metrics.csv`.", ""]


def _protocol_md(f: dict) -> list[str]:
    last_epochs = f["cifar_cfg"].get("reward_last_epochs", f["paper_cfg"].reward_last_epochs)
    return [
        PROTOCOL, "",
        f"* **Search reward (CIFAR-10)**: (max validation accuracy of the child's last "
        f"{last_epochs} epochs)^3, on validation images held out of "
        f"the training split (never the test set). Controller and random search are compared on the first N "
        f"children of each (N = the smaller count); curves are the same exponential moving average of the rewards "
        f"for both (the controller's baseline); \"top-5 val acc\" is the mean of the 5 best validation accuracies. "
        f"A failed child (exception, divergence, time limit) has reward 0 and counts as failed.",
        "* **Best CIFAR-10 architecture**: the controller run's child with the highest search validation accuracy, "
        "retrained once from scratch (`final_epochs` on `final_train_size` images) and tested on the test images "
        "named in the table. The paper grid-searches its training hyperparameters, trains to convergence and tests "
        "on all 10,000 test images.",
        "* **PTB**: reward c / (validation perplexity)^2 with c = 80 after the proxy child's training; the paper's "
        "Table 2 reports test perplexity of the best cell trained at full scale.",
        "* **Re-evaluation (ours, not in the paper)**: each search's 5 best distinct architectures retrained "
        "from 3 fresh seeds with the search's child settings (CIFAR-10: scored on the paper's 5,000 validation "
        "images), the same way for controller and random search. It measures the found architectures rather "
        "than the luckiest single trainings.",
        "* **Benchmark**: the same fixed random CIFAR-10 children trained through the search's Ray pool with 1 and "
        "2 workers; Ray and TensorFlow start-up is timed separately and left out of the rate.", ""]


def _intro_md(f: dict) -> list[str]:
    """What kind of search the numbers come from; then 'not run yet' or what is missing."""
    budget, suffix = f["budget"], BUDGET_TAG[f["budget"]] + "-seed<n>"
    if budget == SMOKE:
        intro = ["**Smoke run: the whole pipeline at toy size (profile `smoke`: 6 children per search through "
                 "2 Ray workers, children of a few dozen images or tokens, 1 epoch), to check the plumbing. "
                 "The numbers below are meaningless.** They are produced by `papers/nas/report.py` from the "
                 f"run directories (`nas/<search>{suffix}`).", ""]
    else:
        intro = [f"**{'Reduced CPU-scale search' if budget == 'cpu' else 'Paper-budget search'}"
                 f"{', not the paper' + chr(39) + 's 12,800-child / 800-GPU search' if budget == 'cpu' else ''}.** "
                 f"Numbers below are produced by `papers/nas/report.py` from the run directories "
                 f"(`nas/<search>{suffix}`)"
                 + (" and, for the ground-truth table, from `nas/sim_search.json` (`papers/nas/simulate.py`)"
                    if budget == "cpu" else "") + ".", ""]
    if f["status"] == "not run":
        intro += [f"Not run yet at budget `{budget}`: no search has any children under `nas/` of the runs folder. "
                  f"`python -m papers.nas.reproduce --budget {budget}` (or `make reproduce PAPERS=nas "
                  f"BUDGET={budget}`) runs it.", ""]
    elif f["missing"]:
        intro += [partial_note(f["missing"]), ""]
    return intro


def headline(f: dict) -> str:
    """Our main numbers next to the paper's, for the overview table."""
    cifar, ptb, final, sim = f["cifar10"], f["ptb"], f["final"], f["sim"]
    parts = []
    if sim is not None:
        t, stats = sim["test"], sim["table_stats"]
        parts.append(f"ground-truth table ({stats['architectures']:,} architectures x {stats['seeds']} seeds), "
                     f"{sim['search_seeds']} search seeds x {sim['budget']} architectures: {t['verdict']} "
                     f"(controller - random {t['difference']:+.4f} test acc, 95% [{t['ci95_low']:+.4f}, "
                     f"{t['ci95_high']:+.4f}], p = {t['p_value']:.2g})")
    if cifar["n"]:
        re = _reevaluated(cifar)
        parts.append(f"CIFAR-10 search, {cifar['n']} of the paper's {f['paper_cfg'].total_architectures:,} children: "
                     f"top-5 val acc controller {cifar['c']['top5']:.3f} vs random {cifar['r']['top5']:.3f}"
                     + (f" (re-evaluated from fresh seeds: {re['cifar10-controller']:.3f} vs "
                        f"{re['cifar10-random']:.3f})" if re else ""))
    if final is not None:
        parts.append(f"best child {final['test_error_pct']:.1f}% test error ({final.get('test_images', '?')} test "
                     f"images) vs paper {f['paper_row']['test_error_pct']}% ({f['table1_row'].rstrip(' (')})")
    sd = f["seeds"]
    if len(sd["both"]) >= 2:
        parts.append(f"CIFAR-10 over {len(sd['both'])} search seeds"
                     + (f" (PARTIAL: fewer than {SEED_TARGET})" if len(sd["both"]) < SEED_TARGET else "")
                     + ": " + ", ".join(
                         f"{label} controller - random {_fmt(d[0], sign=True)} (95% [{_fmt(d[1], sign=True)}, "
                         f"{_fmt(d[2], sign=True)}])"
                         for key, label in (("top5_val_acc", "top-5 val acc"),
                                            ("top5_val_acc_reevaluated", "re-evaluated"))
                         for d in [sd["stats"][key]["difference"]] if math.isfinite(d[0])))
    if ptb["n"]:
        re = _reevaluated(ptb)
        parts.append(f"PTB cell search, {ptb['n']} children: best val ppl controller {ptb['c']['top1']:.0f} vs random "
                     f"{ptb['r']['top1']:.0f}" + (f", top-5 re-evaluated {re['ptb-controller']:.0f} vs "
                                                  f"{re['ptb-random']:.0f}" if re else "")
                     + f" (paper: test ppl {f['nas_best']['test_ppl']}, full scale)")
    if f["status"] == "not run":
        head = (f"not run (paper: {f['paper_row']['test_error_pct']}% CIFAR-10 test error, {f['paper_row']['model']}; "
                f"PTB test ppl {f['nas_best']['test_ppl']})")
    else:
        head = "; ".join(parts) or "searches started, no comparison yet"
    return "smoke run, numbers meaningless: " + head if f["budget"] == SMOKE else head


def _sim_md(f: dict) -> tuple[str, list[str]]:
    """simulate.py's snippet (sim_search.md) as a RESULTS subsection, and its images apart (for PLOTS)."""
    if f["sim"] is None:
        return "", []
    lines = f["sim_md"].splitlines()
    text = ["#" + line if line.startswith("### ") else line for line in lines if not line.startswith("![")]
    return "\n".join(text), [line for line in lines if line.startswith("![")]


def _plots_md(f: dict, sim_images: list[str]) -> str:
    """The plots of the ground-truth table's searches, the CIFAR-10 searches and the PTB searches."""
    groups = [sim_images]
    if f["cifar10"]["n"]:
        groups.append(["![CIFAR-10 search: moving-average reward](nas/cifar10_moving_avg_reward.png)",
                       "![CIFAR-10 search: top-5 validation accuracy so far](nas/cifar10_top5_val_acc.png)"])
    if f["ptb"]["n"]:
        groups.append(["![PTB cell search: moving-average reward](nas/ptb_moving_avg_reward.png)"])
    return plots_md("\n\n".join("\n".join(images) for images in groups if images))


def render(f: dict) -> str:
    """The section's body (links relative to results/), its results led by the ground-truth table's comparison."""
    sim_text, sim_images = _sim_md(f)
    tables = [sim_text, *("\n".join(part) for part in (_cifar_md(f), _final_md(f), _seeds_md(f), _ptb_md(f),
                                                       _bench_md(f)))]
    parts = ["\n".join(_intro_md(f)), results_md(tables), _plots_md(f, sim_images), "\n".join(_budget_md(f)),
             "\n".join(_protocol_md(f))]
    return "\n\n".join(part.strip() for part in parts if part.strip()) + "\n"


# ---------------------------------------------------------------------------------- section()
def _deviations_md() -> str:
    """The deviation tables of the three CPU-scale profiles (from config.py)."""
    cpu_devs = build(NASConfig, PROFILES, "cpu")[1]
    ptb_only = [d for d in build(NASConfig, PROFILES, "cpu_ptb")[1]
                if d.field in ("task", "total_architectures", "child_max_seconds")]
    cpu_by_field = {d.field: d for d in cpu_devs}
    table_only = [d for d in build(NASConfig, PROFILES, "table")[1] if d != cpu_by_field.get(d.field)]
    return "\n".join([
        "### Deviations of the CPU-scale profiles from the paper (generated from config.py)", "",
        "Profile `cpu` (CIFAR-10 search; the PTB search uses the same values):", "",
        deviations_markdown(cpu_devs), "", "Profile `cpu_ptb` differs from `cpu` in:", "",
        deviations_markdown(ptb_only), "",
        "Profile `table` (the ground-truth table and its simulated searches), deviations not shared with `cpu`:", "",
        deviations_markdown(table_only)])


def section(budget: str, runs_root: Path, results_dir: Path, readme: Path | None = README) -> Section:
    """The NAS Section of the report, built only from runs_root/nas/, results_dir/sim_search.*
    and papers/nas/published/. Writes the plots, benchmark.json (copy) and evidence.json under
    results_dir, and the README's results block at budget cpu (readme=None: not touched)."""
    f = collect(budget, runs_root, results_dir)
    write_evidence(Path(results_dir), evidence(f))
    head, body = headline(f), render(f)
    if readme is not None and budget == "cpu":
        write_readme_block(Path(readme), "results", "\n".join([
            f"**Status: {f['status']}.** {head}", "", relink(body, PAPER, "readme").rstrip(), "",
            "Provenance of these numbers (run commits, package versions, wall times) and the deviations recorded "
            "in each run: `results/REPORT.md` (`python -m common.report`).", "", _deviations_md()]))
    runs = [d for d in _all_dirs(f).values() if (d / "config.json").exists()]
    return Section(f["status"], head, body, runs)
