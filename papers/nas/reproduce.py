"""Zoph & Le 2017: the reproduction (`make reproduce`) and its report.

    python -m papers.nas.reproduce [--budget cpu|paper|smoke] [--runs runs] [--report-only]

`run(budget, runs_root)` runs (or resumes; finished runs are skipped) the four searches --
CIFAR-10 controller and random search at the same budget, PTB cell controller and random search
-- into runs_root/nas/<search>-seed0 (budget `paper`: <search>-paper-seed0), then the benchmark
(child evaluations per hour with 1 and 2 Ray workers, runs_root/nas/benchmark.json) and the
retraining of the best CIFAR-10 child with its error on the available test images
(<cifar10-controller run>/final/final.json), then each search's top-5 distinct architectures
retrained from 3 fresh seeds (<run>/reeval.json, papers/nas/reevaluate.py). Budget `smoke` checks the plumbing in about two
minutes: the same four searches through the same 2-worker Ray pool (one Ray instance for all
four) with the `smoke` profile's toy children (6 per search), into runs_root/nas/<search>-smoke-seed0,
and the retraining; no benchmark. Its numbers mean nothing.

The control experiment on the ground-truth table is not part of `run`: building the table takes
hours and has its own resumable command (`python -m papers.nas.table`, results/nas/table_cnn2.csv),
then `python -m papers.nas.simulate` writes its searches' record into results/nas (sim_search.json,
sim_search.md, sim_curves.csv, plots).

`report(budget, runs_root, results_dir)` reads only those files, results_dir/sim_search.json and
.md (budget cpu), and papers/nas/published/: it writes the plots and `evidence.json` under
results_dir (results/nas), the results section of papers/nas/README.md (budget cpu; led by the
ground-truth table's comparison), and returns the paper's common.report.Section. A run stopped
before its budget is reported as PARTIAL with its number of children; controller and random search
are always compared on the same number of children (the first N of each).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from common.config import build, deviations_markdown
from common.report import Section, measured_file
from common.results import curve_plot, markdown_table, read_json, read_published, read_rows, write_between_markers
from papers.nas import losses
from papers.nas.config import PROFILES, NASConfig

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
PAPER = "nas"
SEARCHES = {   # run name -> (task, search); profile per budget below
    "cifar10-controller": ("cifar10", "controller"),
    "cifar10-random": ("cifar10", "random"),
    "ptb-controller": ("ptb", "controller"),
    "ptb-random": ("ptb", "random"),
}
PROFILE = {("cpu", "cifar10"): ["--profile", "cpu"], ("cpu", "ptb"): ["--profile", "cpu_ptb"],
           ("paper", "cifar10"): ["--profile", "paper"], ("paper", "ptb"): ["--profile", "paper", "--set", "task=ptb"],
           # smoke: toy children, but the cpu path's 2 Ray workers (the smoke profile alone trains in-process)
           ("smoke", "cifar10"): ["--profile", "smoke", "--set", "workers=2"],
           ("smoke", "ptb"): ["--profile", "smoke", "--set", "workers=2"]}
RUN_SUFFIX = {"cpu": "-seed0", "paper": "-paper-seed0", "smoke": "-smoke-seed0"}
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"
#: simulate.py's record of the searches on the ground-truth table (results_dir), and its evidence keys
SIM_FILE = "sim_search.json"
SIM_KEYS = ("table_architectures", "table_seeds_per_architecture", "table_seed_noise_std",
            "table_architecture_spread_std", "table_wall_hours", "sim_search_seeds_per_method",
            "sim_budget_architectures", "sim_controller_final_test_acc_mean", "sim_random_final_test_acc_mean",
            "sim_difference_ci95_low", "sim_difference_ci95_high", "sim_p_value")
#: Table 1 row of each search space (config field `space`)
TABLE1_ROW = {"v1": "NAS v1", "strides": "NAS v2", "pooling": "NAS v3 max pooling ("}


def run_dir(runs_root: Path, name: str, budget: str = "cpu") -> Path:
    return Path(runs_root) / PAPER / f"{name}{RUN_SUFFIX[budget]}"


def run(budget: str, runs_root: Path) -> None:
    """Train / resume the four searches, benchmark, retrain the best CIFAR-10 child (the slow part).
    Writes only under runs_root/nas/; finished parts are skipped. Budget smoke: no benchmark, and
    one Ray instance serves the four searches (its start-up is most of a toy search's time)."""
    from papers.nas import benchmark, evaluate, reevaluate, train   # heavy imports (TensorFlow, Ray) only here

    root = Path(runs_root) / PAPER
    root.mkdir(parents=True, exist_ok=True)
    todo = [n for n in SEARCHES if not (run_dir(runs_root, n, budget) / "DONE").exists()]
    shared_ray = budget == "smoke" and bool(todo)
    if shared_ray:
        train.init_ray()
    try:
        for name, (task, search) in SEARCHES.items():
            argv = PROFILE[(budget, task)] + ["--set", f"task={task}", "--set", f"search={search}",
                                              "--run-dir", str(run_dir(runs_root, name, budget))]
            train.main(argv)
    finally:
        if shared_ray:
            import ray
            ray.shutdown()
    if budget != "smoke" and not (root / "benchmark.json").exists():
        benchmark.main(["--out", str(root / "benchmark.json")])
    evaluate.evaluate(run_dir(runs_root, "cifar10-controller", budget))
    for name in SEARCHES:            # the found architectures, measured again from fresh seeds
        if budget == "smoke":        # toy: 2 architectures, 1 seed, the search's validation size
            reevaluate.reevaluate(run_dir(runs_root, name, budget), val_size=None, top=2,
                                  seeds=reevaluate.SEEDS[:1])
        else:
            reevaluate.reevaluate(run_dir(runs_root, name, budget))


# ---------------------------------------------------------------------------- report

def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


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


def search_summary(d: Path, name: str, metric: str, n: int | None = None) -> dict:
    """Children of one run (first n), their moving-average reward and top-k statistics."""
    saved = read_json(d / "config.json") or {}
    cfg = saved.get("config", {})
    children = read_rows(d / "children.csv")[:n]
    rewards = [_num(r["reward"]) for r in children]
    values = [_num(r[metric]) for r in children if r["status"] == "ok"]
    ema, b = [], None
    for r in rewards:                      # the same EMA for both searches (the controller's baseline)
        b = losses.ema_baseline(b, [r], cfg.get("baseline_decay", 0.8))
        ema.append(b)
    finite = [v for v in values if math.isfinite(v)]
    largest = metric == "val_acc"
    top = sorted(finite, reverse=largest)
    q = max(len(rewards) // 4, 1)
    versions = read_json(d / "versions.json") or {}
    metrics = read_rows(d / "metrics.csv")
    return {"name": name, "children": len(children), "total": cfg.get("total_architectures"),
            "complete": (d / "DONE").exists(), "failed": sum(r["status"] != "ok" for r in children),
            "ema": ema, "top1": top[0] if top else float("nan"),
            "top5": sum(top[:5]) / len(top[:5]) if top else float("nan"),
            "mean_reward_first_quarter": sum(rewards[:q]) / q if rewards else float("nan"),
            "mean_reward_last_quarter": sum(rewards[-q:]) / q if rewards else float("nan"),
            "mean_value_last_quarter": _mean([_num(r[metric]) for r in children[-q:] if r["status"] == "ok"]),
            "running_best": _running(values, largest), "commit": versions.get("git_commit"),
            "updates": int(_num(metrics[-1]["updates"])) if metrics else 0,
            "wall_min": _wall_minutes(d), "config": cfg}


def _running(values, largest, k=5):
    """Mean of the best k values seen so far, after each child (nan until k are seen)."""
    out, seen = [], []
    for v in values:
        if math.isfinite(v):
            seen = sorted(seen + [v], reverse=largest)[:k]
        out.append(sum(seen) / k if len(seen) == k else float("nan"))
    return out


def _mean(values) -> float:
    values = [v for v in values if math.isfinite(v)]
    return sum(values) / len(values) if values else float("nan")


def _label(s: dict) -> str:
    state = "complete" if s["complete"] else f"PARTIAL: stopped at {s['children']} of {s['total']}"
    return f"{s['name']} ({state})"


def _state(d: Path) -> tuple[str, int, int | None]:
    """('complete' | 'partial' | 'not started', children so far, planned children) of a search run."""
    cfg = (read_json(d / "config.json") or {}).get("config", {})
    k = len(read_rows(d / "children.csv"))
    if (d / "DONE").exists():
        return "complete", k, cfg.get("total_architectures")
    return ("partial" if k or cfg else "not started"), k, cfg.get("total_architectures")


def _sources(rows: list[dict]) -> tuple[str, dict[str, int]]:
    """'[1] source; [2] ...' and each source's number, in first-seen order."""
    seen = []
    for r in rows:
        if r["source"] not in seen:
            seen.append(r["source"])
    return "; ".join(f"[{i}] {s}" for i, s in enumerate(seen, 1)), {s: i for i, s in enumerate(seen, 1)}


def _minutes(m: float) -> str:
    return f"{m:.0f} min" if math.isfinite(m) else "-"


def reeval_part(dirs: dict, task: str, what: str) -> tuple[list[str], dict[str, float]]:
    """The table of the two searches' top-5 architectures retrained from fresh seeds
    (reeval.json, papers/nas/reevaluate.py), and {search name: mean}; ([], {}) while missing."""
    recs = {name: read_json(dirs[name] / "reeval.json") for name in (f"{task}-controller", f"{task}-random")}
    if any(r is None for r in recs.values()):
        return [], {}
    rows = [[name, f"{r['top']} distinct", len(r["seeds"]), f"{r['val_size']:,}", r["search_top_mean"],
             r["reeval_top_mean"]] for name, r in recs.items()]
    r = next(iter(recs.values()))
    unit = "validation images" if task == "cifar10" else "validation tokens"
    return ([f"Re-evaluation of the found architectures: each search's {r['top']} best distinct architectures, "
             f"retrained from {len(r['seeds'])} fresh seeds with the search's child settings and scored on "
             f"{r['val_size']:,} {unit}; mean {what} over architectures of the per-architecture mean over seeds "
             "(`papers/nas/reevaluate.py`, `reeval.json` in each run). A search's own top-5 is a maximum over "
             "single noisy trainings; this measures the architectures themselves, the same way for both searches.", "",
             markdown_table(["run", "architectures", "seeds each", unit, f"{what}, search's own top-5",
                             f"{what}, re-evaluated"], rows, digits=4 if task == "cifar10" else 1), ""],
            {name: rec["reeval_top_mean"] for name, rec in recs.items()})


def report(budget: str, runs_root: Path, results_dir: Path, readme: Path | None = README) -> Section:
    """The paper's report Section, built only from runs_root/nas/ and papers/nas/published/.
    Writes plots, benchmark.json (copy) and evidence.json under results_dir; the README's results
    block for budget cpu (readme=None: not touched)."""
    runs_root, results_dir = Path(runs_root), Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    dirs = {name: run_dir(runs_root, name, budget) for name in SEARCHES}
    states = {name: _state(d) for name, d in dirs.items()}
    paper_cfg = build(NASConfig, PROFILES, "paper")[0]
    scale = {"cpu": "CPU-scale", "smoke": "toy smoke-budget"}.get(budget, "paper-budget")
    ev: dict = {}
    parts: list[str] = []             # results tables and plots
    budget_rows: list[list] = []      # Budget: used vs the paper's
    headline: list[str] = []
    missing: list[str] = []
    for name, (state, k, total) in states.items():
        if state == "not started":
            missing.append(f"`{dirs[name].name}` not started")
        elif state == "partial":
            missing.append(f"`{dirs[name].name}` stopped at {k} of {total} children")

    # -------- CIFAR-10
    c_all = read_rows(dirs["cifar10-controller"] / "children.csv")
    r_all = read_rows(dirs["cifar10-random"] / "children.csv")
    n = min(len(c_all), len(r_all))
    cifar = None
    if n:
        c = search_summary(dirs["cifar10-controller"], "cifar10-controller", "val_acc", n)
        r = search_summary(dirs["cifar10-random"], "cifar10-random", "val_acc", n)
        cifar, cfg = c, c["config"]
        cifar_budget = (f"{n} children per search (first {n} completed of each run), {cfg['start_layers']} conv layers, "
                        f"filters {cfg['num_filters']}, kernels {cfg['filter_heights']}, {cfg['child_epochs']} epochs on "
                        f"{cfg['train_size']} training images at {cfg['image_size']}x{cfg['image_size']}, reward on "
                        f"{cfg['val_size']} validation images; m = {cfg['architectures_per_update']}, "
                        f"{cfg['workers']} Ray workers")
        xs = list(range(1, n + 1))
        curve_plot({"controller (REINFORCE)": (xs, c["ema"]), "random search": (xs, r["ema"])},
                   results_dir / "cifar10_moving_avg_reward.png", f"CIFAR-10 search ({scale}): moving-average reward",
                   "children evaluated", f"EMA (decay {cfg['baseline_decay']}) of reward = val_acc^3")
        curve_plot({"controller": (list(range(1, len(c["running_best"]) + 1)), c["running_best"]),
                    "random search": (list(range(1, len(r["running_best"]) + 1)), r["running_best"])},
                   results_dir / "cifar10_top5_val_acc.png", f"CIFAR-10 search ({scale}): top-5 validation accuracy so far",
                   "successful children", "mean of the 5 best validation accuracies")
        rows = [[_label(s), s["children"], s["failed"], s["mean_reward_first_quarter"], s["mean_reward_last_quarter"],
                 s["ema"][-1], s["mean_value_last_quarter"], s["top1"], s["top5"]] for s in (c, r)]
        parts += ["### CIFAR-10 CNN search: controller vs random search (same budget)", "",
                  markdown_table(["run", "children", "failed", "mean reward, first 1/4", "mean reward, last 1/4",
                                  "final moving-avg reward", "mean val acc, last 1/4", "best val acc",
                                  "top-5 val acc"], rows, digits=4), "",
                  "The paper shows no CIFAR-10 search curve or validation accuracies of its children to compare "
                  "with; its control experiment (RL vs random search) is on the PTB search.", "",
                  "![CIFAR-10 search: moving-average reward](nas/cifar10_moving_avg_reward.png)",
                  "![CIFAR-10 search: top-5 validation accuracy so far](nas/cifar10_top5_val_acc.png)", ""]
        reeval_md, reeval = reeval_part(dirs, "cifar10", "val acc")
        parts += reeval_md
        headline.append(f"CIFAR-10 search, {n} of the paper's {paper_cfg.total_architectures:,} children: "
                        f"top-5 val acc controller {c['top5']:.3f} vs random {r['top5']:.3f}"
                        + (f" (re-evaluated from fresh seeds: {reeval['cifar10-controller']:.3f} vs "
                           f"{reeval['cifar10-random']:.3f})" if reeval else ""))
        if reeval:
            ev.update(cifar_controller_top5_val_acc_reevaluated=reeval["cifar10-controller"],
                      cifar_random_top5_val_acc_reevaluated=reeval["cifar10-random"])
        elif states["cifar10-controller"][0] == "complete" and states["cifar10-random"][0] == "complete":
            missing.append("the re-evaluation of the CIFAR-10 searches' top-5 architectures (`reeval.json`)")
        budget_rows += [
            ["CIFAR-10: children per search", f"{paper_cfg.total_architectures:,}", f"{n} (first {n} of each run)"],
            ["CIFAR-10: controller updates (m children each)",
             f"{paper_cfg.total_architectures // paper_cfg.architectures_per_update:,} (m = {paper_cfg.architectures_per_update})",
             f"{c['updates']} (m = {cfg['architectures_per_update']})"],
            ["CIFAR-10: children trained at once", f"{paper_cfg.workers} (GPUs)", f"{cfg['workers']} (Ray workers on CPU)"],
            ["CIFAR-10: child network",
             f"{paper_cfg.start_layers} conv layers, +{paper_cfg.layers_increment} every {paper_cfg.curriculum_every:,} "
             f"children; filters {list(paper_cfg.num_filters)}",
             f"{cfg['start_layers']} conv layers" + (" (no curriculum step reached)"
                                                     if cfg["curriculum_every"] >= n else "")
             + f"; filters {cfg['num_filters']}"],
            ["CIFAR-10: child training",
             f"{paper_cfg.child_epochs} epochs on {paper_cfg.train_size:,} images at {paper_cfg.image_size}x{paper_cfg.image_size}",
             f"{cfg['child_epochs']} epochs on {cfg['train_size']:,} images at {cfg['image_size']}x{cfg['image_size']}"],
            ["CIFAR-10: reward's validation images", f"{paper_cfg.val_size:,}", f"{cfg['val_size']:,}"],
            ["CIFAR-10: search wall time", "~4 weeks on 800 GPUs (secondary estimate)",
             f"controller {_minutes(c['wall_min'])}, random {_minutes(r['wall_min'])} (metrics.csv)"]]
        ev.update(cifar_budget_architectures=n, cifar_budget=cifar_budget,
                  cifar_controller_top5_val_acc=round(c["top5"], 4), cifar_random_top5_val_acc=round(r["top5"], 4),
                  cifar_controller_moving_avg_reward_first=round(c["ema"][0], 5),
                  cifar_controller_moving_avg_reward_last=round(c["ema"][-1], 5),
                  cifar_random_moving_avg_reward_last=round(r["ema"][-1], 5),
                  cifar_controller_mean_val_acc_last_quarter=round(c["mean_value_last_quarter"], 4),
                  cifar_random_mean_val_acc_last_quarter=round(r["mean_value_last_quarter"], 4),
                  cifar_controller_run_complete=c["complete"], cifar_random_run_complete=r["complete"],
                  cifar_run_commit=c["commit"])
    elif c_all or r_all:
        missing.append("the CIFAR-10 comparison (one of the two searches has no children yet)")

    published = read_published(HERE / "published" / "nas_cifar10.csv")
    final = read_json(dirs["cifar10-controller"] / "final" / "final.json")
    space = (cifar or {}).get("config", {}).get("space", "v1")
    paper_row = next((p for p in published if p["model"].startswith(TABLE1_ROW.get(space, "NAS v1"))), published[0])
    if final is not None:
        legend, ids = _sources(published)
        rows = [[p["model"], p["depth"] or "-", p["params_M"] or "-", p["test_error_pct"],
                 f"paper Table 1 [{ids[p['source']]}]"] for p in published]
        cfg = (cifar or {}).get("config", {})
        image = f" at {cfg['image_size']}x{cfg['image_size']}" if cfg else ""
        rows.append([f"best child of our {scale} search: `{final['arch']}`".replace("|", "\\|"),
                     len(final["arch"].split("|")), f"{final['params'] / 1e6:.3f}", final["test_error_pct"],
                     f"ours: {final['test_set']}, retrained {final['final_epochs']} epochs on "
                     f"{final['final_train_size']} images{image}"])
        parts += ["### Best found CIFAR-10 architecture, retrained, next to the paper's Table 1", "",
                  markdown_table(["model", "depth", "params (M)", "test error %", "source"], rows, digits=2), "",
                  f"Published numbers: `papers/nas/published/nas_cifar10.csv`; sources: {legend}.", ""]
        headline.append(f"best child {final['test_error_pct']:.1f}% test error ({final.get('test_images', '?')} test "
                        f"images) vs paper {paper_row['test_error_pct']}% ({TABLE1_ROW.get(space, 'NAS v1').rstrip(' (')})")
        budget_rows.append(["CIFAR-10: final model",
                            f"grid search (lr, weight decay, BN epsilon, lr-decay epoch), trained to convergence "
                            f"on {paper_cfg.final_train_size:,} images; full 10,000-image test set",
                            f"trained once, {final['final_epochs']} epochs on {final['final_train_size']:,} images; "
                            f"{final['test_set']}"])
        ev["cifar_best_test_error_first1000"] = final["test_error_pct"]
        ev["cifar_best_test_set"] = final["test_set"]
        ev["cifar_best_arch"] = final["arch"]
    else:
        missing.append("the retraining of the best CIFAR-10 child (`final/final.json` of the controller run)")

    # -------- PTB
    pc_all, pr_all = read_rows(dirs["ptb-controller"] / "children.csv"), read_rows(dirs["ptb-random"] / "children.csv")
    n = min(len(pc_all), len(pr_all))
    ptb_pub = [p for p in read_published(HERE / "published" / "nas_ptb.csv") if "bpc" not in p["model"]]
    nas_best = min((p for p in ptb_pub if p["model"].startswith("NAS cell, base")), key=lambda p: _num(p["test_ppl"]))
    if n:
        c, r = (search_summary(dirs["ptb-controller"], "ptb-controller", "val_ppl", n),
                search_summary(dirs["ptb-random"], "ptb-random", "val_ppl", n))
        cfg = c["config"]
        ptb_budget = (f"{n} children per search, base-{cfg['cell_base']} cells, 2-layer LM of {cfg['ptb_hidden']} units, "
                      f"{cfg['ptb_epochs']} epoch on the first {cfg['ptb_train_tokens']} training tokens, perplexity on the "
                      f"first {cfg['ptb_val_tokens']} validation tokens; m = {cfg['architectures_per_update']}")
        xs = list(range(1, n + 1))
        curve_plot({"controller (REINFORCE)": (xs, c["ema"]), "random search": (xs, r["ema"])},
                   results_dir / "ptb_moving_avg_reward.png", f"PTB cell search ({scale}): moving-average reward",
                   "children evaluated", f"EMA of reward = {cfg['ppl_reward_c']:g} / ppl^2")
        rows = [[_label(s), s["children"], s["failed"], f"{s['ema'][-1]:.3g}", s["mean_value_last_quarter"], s["top1"],
                 s["top5"]] for s in (c, r)]
        legend, ids = _sources(ptb_pub)
        parts += ["### PTB recurrent-cell search: controller vs random search (same budget)", "",
                  markdown_table(["run", "children", "failed", "final moving-avg reward", "mean val ppl, last 1/4",
                                  "best val ppl", "mean of best-5 val ppl"], rows, digits=1), "",
                  "![PTB cell search: moving-average reward](nas/ptb_moving_avg_reward.png)", "",
                  "The paper's PTB numbers (Table 2) are test perplexities of the best cell trained at full scale; "
                  "ours are validation perplexities of proxy children and are not comparable in value:", "",
                  markdown_table(["model", "params (M)", "test ppl", "source"],
                                 [[p["model"], p["params_M"] or "-", p["test_ppl"], f"[{ids[p['source']]}]"]
                                  for p in ptb_pub]), "",
                  f"Published numbers: `papers/nas/published/nas_ptb.csv`; sources: {legend}.", ""]
        reeval_md, reeval = reeval_part(dirs, "ptb", "val ppl")
        parts += reeval_md
        headline.append(f"PTB cell search, {n} children: best val ppl controller {c['top1']:.0f} vs random "
                        f"{r['top1']:.0f}" + (f", top-5 re-evaluated {reeval['ptb-controller']:.0f} vs "
                                               f"{reeval['ptb-random']:.0f}" if reeval else "")
                        + f" (paper: test ppl {nas_best['test_ppl']}, full scale)")
        if reeval:
            ev.update(ptb_controller_top5_val_ppl_reevaluated=reeval["ptb-controller"],
                      ptb_random_top5_val_ppl_reevaluated=reeval["ptb-random"])
        elif states["ptb-controller"][0] == "complete" and states["ptb-random"][0] == "complete":
            missing.append("the re-evaluation of the PTB searches' top-5 cells (`reeval.json`)")
        full_train = "all (929k)" if not paper_cfg.ptb_train_tokens else f"{paper_cfg.ptb_train_tokens:,}"
        full_val = "all (73k)" if not paper_cfg.ptb_val_tokens else f"{paper_cfg.ptb_val_tokens:,}"
        budget_rows += [
            ["PTB: children per search", "not given in our sources", f"{n}"],
            ["PTB: children trained at once", "400 (CPUs)", f"{cfg['workers']} (Ray workers on CPU)"],
            ["PTB: child network and training",
             f"{paper_cfg.ptb_layers}-layer LM of {paper_cfg.ptb_hidden} units, {paper_cfg.ptb_epochs} epochs on "
             f"{full_train} training tokens",
             f"{cfg['ptb_layers']}-layer LM of {cfg['ptb_hidden']} units, {cfg['ptb_epochs']} epoch(s) on the first "
             f"{cfg['ptb_train_tokens']:,} training tokens"],
            ["PTB: reward's validation tokens", full_val, f"first {cfg['ptb_val_tokens']:,}"],
            ["PTB: search wall time", "not given in our sources",
             f"controller {_minutes(c['wall_min'])}, random {_minutes(r['wall_min'])} (metrics.csv)"]]
        ev.update(ptb_budget_architectures=n, ptb_budget=ptb_budget,
                  ptb_controller_best_val_ppl=round(c["top1"], 2), ptb_random_best_val_ppl=round(r["top1"], 2),
                  ptb_controller_run_complete=c["complete"], ptb_random_run_complete=r["complete"])
    elif pc_all or pr_all:
        missing.append("the PTB comparison (one of the two searches has no children yet)")

    # -------- benchmark: produced by run() into runs_root/nas/; else the committed results/nas copy
    bench = None
    if budget == "smoke":       # run() skips it: a throughput of toy children would mean nothing
        parts += ["### Child evaluations per hour", "", "benchmark: not measured at the smoke budget.", ""]
    else:
        bench_path, bench_from = measured_file(PAPER, "benchmark.json", runs_root, results_dir)
        bench = read_json(bench_path) if bench_path else None
    if bench is not None:
        by = {row["workers"]: row for row in bench["settings"]}
        parts += ["### Child evaluations per hour (measured on 2 shared CPU cores)", "",
                  markdown_table(["Ray workers", "children timed", "wall s", "evaluations / hour", "start-up s"],
                                 [[w, by[w]["children"], by[w]["wall_s"], by[w]["evals_per_hour"], by[w]["startup_s"]]
                                  for w in sorted(by)], digits=1), "",
                  f"Child: {bench['child']} (profile `{bench.get('profile', '?')}`). From {bench_from}. "
                  f"The paper gives no throughput; it trained 800 children at once on 800 GPUs.", ""]
        ev["child_evals_per_hour_1_worker"] = by.get(1, {}).get("evals_per_hour")
        ev["child_evals_per_hour_2_workers"] = by.get(2, {}).get("evals_per_hour")
    elif budget != "smoke":
        missing.append("the benchmark (`nas/benchmark.json`)")

    # -------- the control experiment on the ground-truth table (table.py + simulate.py write
    # sim_search.json / .md and the plots into results_dir); it leads the report
    sim = read_json(results_dir / SIM_FILE) if budget == "cpu" else None
    if sim is not None:
        parts = [(results_dir / SIM_FILE).with_suffix(".md").read_text().rstrip(), ""] + parts
        t = sim["test"]
        headline.insert(0, f"ground-truth table ({sim['table_stats']['architectures']:,} architectures x "
                           f"{sim['table_stats']['seeds']} seeds), {sim['search_seeds']} search seeds x "
                           f"{sim['budget']} architectures: {t['verdict']} (controller - random "
                           f"{t['difference']:+.4f} test acc, 95% [{t['ci95_low']:+.4f}, {t['ci95_high']:+.4f}], "
                           f"p = {t['p_value']:.2g})")
        ev.update(sim["evidence"])
    elif budget == "cpu":
        missing.append("the simulated searches on the ground-truth table (`python -m papers.nas.table`, then "
                       "`python -m papers.nas.simulate`)")

    # -------- status, headline, body
    started = any(k for _, k, _ in states.values()) or final is not None or sim is not None
    done = (all(s == "complete" for s, _, _ in states.values()) and final is not None
            and all((d / "reeval.json").exists() for d in dirs.values())
            and (bench is not None or budget == "smoke") and (sim is not None or budget != "cpu"))
    status = "complete" if done else ("partial" if started else "not run")
    if not started:
        head = (f"not run (paper: {paper_row['test_error_pct']}% CIFAR-10 test error, {paper_row['model']}; "
                f"PTB test ppl {nas_best['test_ppl']})")
    else:
        head = "; ".join(headline) or "searches started, no comparison yet"
    if budget == "smoke":
        head = "smoke run, numbers meaningless: " + head
        intro = ["**Smoke run: the whole pipeline at toy size (profile `smoke`: 6 children per search through "
                 "2 Ray workers, children of a few dozen images or tokens, 1 epoch), to check the plumbing. "
                 "The numbers below are meaningless.** They are produced by `papers/nas/reproduce.py` from the "
                 f"run directories (`nas/<search>{RUN_SUFFIX[budget]}`).", ""]
    else:
        intro = [f"**{'Reduced CPU-scale search' if budget == 'cpu' else 'Paper-budget search'}"
                 f"{', not the paper' + chr(39) + 's 12,800-child / 800-GPU search' if budget == 'cpu' else ''}.** "
                 f"Numbers below are produced by `papers/nas/reproduce.py` from the run directories "
                 f"(`nas/<search>{RUN_SUFFIX[budget]}`)"
                 + (" and, for the ground-truth table, from `nas/sim_search.json` (`papers/nas/simulate.py`)"
                    if budget == "cpu" else "") + ".", ""]
    if status == "not run":
        intro += [f"Not run yet at budget `{budget}`: no search has any children under `nas/` of the runs folder. "
                  f"`python -m papers.nas.reproduce --budget {budget}` (or `make reproduce PAPERS=nas BUDGET={budget}`) runs it.", ""]
    elif missing:
        intro += ["**Partial.** Missing: " + "; ".join(missing) + ".", ""]
    budget_part = []
    if budget_rows:
        budget_part = ["### Budget: used vs the paper's", "",
                       markdown_table(["", "paper", "ours"], budget_rows), "",
                       "One seed (0) per search. Paper values from `config.py` (profile `paper`) and "
                       "", ""]
    cfg = (cifar or {}).get("config") or {}
    protocol = [
        "### Evaluation protocol", "",
        f"* **Search reward (CIFAR-10)**: (max validation accuracy of the child's last "
        f"{cfg.get('reward_last_epochs', paper_cfg.reward_last_epochs)} epochs)^3, on validation images held out of "
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
    body = "\n".join(intro + parts + budget_part + protocol).rstrip() + "\n"

    # -------- evidence.json (commit = the runs' commit, from versions.json)
    for key in ("cifar_budget_architectures", "cifar_budget", "cifar_controller_top5_val_acc",
                "cifar_random_top5_val_acc", "cifar_controller_moving_avg_reward_first",
                "cifar_controller_moving_avg_reward_last", "cifar_random_moving_avg_reward_last",
                "cifar_controller_mean_val_acc_last_quarter", "cifar_random_mean_val_acc_last_quarter",
                "cifar_controller_run_complete", "cifar_random_run_complete", "cifar_run_commit",
                "cifar_best_test_error_first1000", "cifar_best_test_set", "cifar_best_arch",
                "ptb_budget", "ptb_budget_architectures", "ptb_controller_best_val_ppl", "ptb_random_best_val_ppl",
                "ptb_controller_run_complete", "ptb_random_run_complete",
                "child_evals_per_hour_1_worker", "child_evals_per_hour_2_workers", *SIM_KEYS):
        ev.setdefault(key, None)          # null = not run yet
    run_commits = {}
    for name, d in dirs.items():
        v = read_json(d / "versions.json")
        if v and v.get("git_commit"):
            run_commits[name] = v["git_commit"] + ("+dirty" if v.get("git_dirty") else "")
    ev["run_commits"] = run_commits
    ev["commit"] = (run_commits.get("cifar10-controller") or next(iter(run_commits.values()), "")).split("+")[0] or None
    ev["reduced_search"] = budget == "cpu"
    ev["budget"] = budget
    ev["status"] = status
    (results_dir / "evidence.json").write_text(json.dumps(ev, indent=2, sort_keys=True) + "\n")

    runs = [d for d in dirs.values() if (d / "config.json").exists()]
    if readme is not None and budget == "cpu":
        cpu_devs = build(NASConfig, PROFILES, "cpu")[1]
        ptb_only = [d for d in build(NASConfig, PROFILES, "cpu_ptb")[1]
                    if d.field in ("task", "total_architectures", "child_max_seconds")]
        cpu_devs_by_field = {d.field: d for d in cpu_devs}
        table_only = [d for d in build(NASConfig, PROFILES, "table")[1] if d != cpu_devs_by_field.get(d.field)]
        readme_body = "\n".join([
            f"**Status: {status}.** {head}", "",
            body.replace("](nas/", "](../../results/nas/").rstrip(), "",
            "Provenance of these numbers (run commits, package versions, wall times) and the deviations recorded "
            "in each run: `results/REPORT.md` (`python -m common.report`).", "",
            "### Deviations of the CPU-scale profiles from the paper (generated from config.py)", "",
            "Profile `cpu` (CIFAR-10 search; the PTB search uses the same values):", "",
            deviations_markdown(cpu_devs), "", "Profile `cpu_ptb` differs from `cpu` in:", "",
            deviations_markdown(ptb_only), "",
            "Profile `table` (the ground-truth table and its simulated searches), deviations not shared with `cpu`:", "",
            deviations_markdown(table_only)])
        write_between_markers(readme, README_START, README_END, readme_body)
    return Section(status, head, body, runs)


if __name__ == "__main__":
    from common.errors import run_main
    from common.report import paper_cli
    run_main(lambda argv: paper_cli("nas", __doc__, run, report, argv))
