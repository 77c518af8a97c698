"""Zoph & Le 2017: the CPU-scale reproduction (`make reproduce`), and its report.

    python -m papers.nas.reproduce [--budget cpu|paper] [--report-only]

Runs (or resumes; finished runs are skipped) the four searches -- CIFAR-10 controller and random
search at the same budget, PTB cell controller and random search -- then the benchmark (child
evaluations per hour with 1 and 2 Ray workers) and the retraining of the best CIFAR-10 child with
its error on the available test images. `report` turns the run directories into plots, tables,
`results/nas/evidence.json` and the results section of papers/nas/README.md. A run that was
stopped before its budget is reported as PARTIAL with its number of children; controller and
random search are always compared on the same number of children (the first N of each).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
from pathlib import Path

from common.config import build, deviations_markdown
from common.results import curve_plot, markdown_table, read_published, write_between_markers
from papers.nas import benchmark, evaluate, losses, train
from papers.nas.config import PROFILES, NASConfig

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RUNS_ROOT = REPO / "runs" / "nas"
SEARCHES = {   # run name -> (task, search); profile per budget below
    "cifar10-controller": ("cifar10", "controller"),
    "cifar10-random": ("cifar10", "random"),
    "ptb-controller": ("ptb", "controller"),
    "ptb-random": ("ptb", "random"),
}
PROFILE = {("cpu", "cifar10"): ["--profile", "cpu"], ("cpu", "ptb"): ["--profile", "cpu_ptb"],
           ("paper", "cifar10"): ["--profile", "paper"], ("paper", "ptb"): ["--profile", "paper", "--set", "task=ptb"]}
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


def run_dir(name: str) -> Path:
    return RUNS_ROOT / f"{name}-seed0"


def run_all(budget: str, results_dir: Path) -> None:
    for name, (task, search) in SEARCHES.items():
        argv = PROFILE[(budget, task)] + ["--set", f"task={task}", "--set", f"search={search}",
                                          "--run-dir", str(run_dir(name))]
        train.main(argv)
    if not (results_dir / "benchmark.json").exists():
        benchmark.main(["--out", str(results_dir / "benchmark.json")])
    evaluate.evaluate(run_dir("cifar10-controller"))


# ---------------------------------------------------------------------------- report

def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def search_summary(name: str, metric: str, n: int | None = None) -> dict:
    """Children of one run (first n), their moving-average reward and top-k statistics."""
    d = run_dir(name)
    cfg = json.loads((d / "config.json").read_text())["config"] if (d / "config.json").exists() else {}
    children = _rows(d / "children.csv")[:n]
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
    commit = json.loads((d / "versions.json").read_text()).get("git_commit") if (d / "versions.json").exists() else None
    return {"name": name, "children": len(children), "total": cfg.get("total_architectures"),
            "complete": (d / "DONE").exists(), "failed": sum(r["status"] != "ok" for r in children),
            "ema": ema, "top1": top[0] if top else float("nan"),
            "top5": sum(top[:5]) / len(top[:5]) if top else float("nan"),
            "mean_reward_first_quarter": sum(rewards[:q]) / q if rewards else float("nan"),
            "mean_reward_last_quarter": sum(rewards[-q:]) / q if rewards else float("nan"),
            "mean_value_last_quarter": _mean([_num(r[metric]) for r in children[-q:] if r["status"] == "ok"]),
            "running_best": _running(values, largest), "commit": commit, "config": cfg}


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


def report(results_dir: Path) -> str:
    results_dir.mkdir(parents=True, exist_ok=True)
    ev: dict = {}
    lines = ["**Reduced CPU-scale search, not the paper's 12,800-child / 800-GPU search.** "
             "Numbers below are produced by `papers/nas/reproduce.py` from the run directories."]

    # -------- CIFAR-10
    c_all, r_all = _rows(run_dir("cifar10-controller") / "children.csv"), _rows(run_dir("cifar10-random") / "children.csv")
    n = min(len(c_all), len(r_all))
    if n:
        c, r = search_summary("cifar10-controller", "val_acc", n), search_summary("cifar10-random", "val_acc", n)
        cfg = c["config"]
        budget = (f"{n} children per search (first {n} completed of each run), {cfg['start_layers']} conv layers, "
                  f"filters {cfg['num_filters']}, kernels {cfg['filter_heights']}, {cfg['child_epochs']} epochs on "
                  f"{cfg['train_size']} training images at {cfg['image_size']}x{cfg['image_size']}, reward on "
                  f"{cfg['val_size']} validation images; m = {cfg['architectures_per_update']}, "
                  f"{cfg['workers']} Ray workers")
        xs = list(range(1, n + 1))
        curve_plot({"controller (REINFORCE)": (xs, c["ema"]), "random search": (xs, r["ema"])},
                   results_dir / "cifar10_moving_avg_reward.png", "CIFAR-10 search (reduced): moving-average reward",
                   "children evaluated", f"EMA (decay {cfg['baseline_decay']}) of reward = val_acc^3")
        curve_plot({"controller": (list(range(1, len(c["running_best"]) + 1)), c["running_best"]),
                    "random search": (list(range(1, len(r["running_best"]) + 1)), r["running_best"])},
                   results_dir / "cifar10_top5_val_acc.png", "CIFAR-10 search (reduced): top-5 validation accuracy so far",
                   "successful children", "mean of the 5 best validation accuracies")
        rows = [[_label(s), s["children"], s["failed"], s["mean_reward_first_quarter"], s["mean_reward_last_quarter"],
                 s["ema"][-1], s["mean_value_last_quarter"], s["top1"], s["top5"]] for s in (c, r)]
        lines += ["", "### CIFAR-10 CNN search: controller vs random search (same budget)", "",
                  f"Budget: {budget}.", "",
                  markdown_table(["run", "children", "failed", "mean reward, first 1/4", "mean reward, last 1/4",
                                  "final moving-avg reward", "mean val acc, last 1/4", "best val acc",
                                  "top-5 val acc"], rows, digits=4), "",
                  "![moving-average reward](../../results/nas/cifar10_moving_avg_reward.png)",
                  "![top-5 validation accuracy](../../results/nas/cifar10_top5_val_acc.png)"]
        ev.update(cifar_budget_architectures=n, cifar_budget=budget,
                  cifar_controller_top5_val_acc=round(c["top5"], 4), cifar_random_top5_val_acc=round(r["top5"], 4),
                  cifar_controller_moving_avg_reward_first=round(c["ema"][0], 5),
                  cifar_controller_moving_avg_reward_last=round(c["ema"][-1], 5),
                  cifar_random_moving_avg_reward_last=round(r["ema"][-1], 5),
                  cifar_controller_mean_val_acc_last_quarter=round(c["mean_value_last_quarter"], 4),
                  cifar_random_mean_val_acc_last_quarter=round(r["mean_value_last_quarter"], 4),
                  cifar_controller_run_complete=c["complete"], cifar_random_run_complete=r["complete"],
                  cifar_run_commit=c["commit"])
    final_path = run_dir("cifar10-controller") / "final" / "final.json"
    if final_path.exists():
        final = json.loads(final_path.read_text())
        published = read_published(HERE / "published" / "nas_cifar10.csv")
        rows = [[p["model"], p["depth"] or "-", p["params_M"] or "-", p["test_error_pct"], "paper (Table 1)"] for p in published]
        rows.append([f"best child of our reduced search: `{final['arch']}`".replace("|", "\\|"), len(final["arch"].split("|")),
                     f"{final['params'] / 1e6:.3f}", final["test_error_pct"],
                     f"ours: {final['test_set']}, retrained {final['final_epochs']} epochs on "
                     f"{final['final_train_size']} images at {c['config']['image_size']}x{c['config']['image_size']}"
                     if n else final["test_set"]])
        lines += ["", "### Best found CIFAR-10 architecture, retrained, next to the paper's Table 1", "",
                  markdown_table(["model", "depth", "params (M)", "test error %", "source"], rows, digits=2)]
        ev["cifar_best_test_error_first1000"] = final["test_error_pct"]
        ev["cifar_best_test_set"] = final["test_set"]
        ev["cifar_best_arch"] = final["arch"]

    # -------- PTB
    pc_all, pr_all = _rows(run_dir("ptb-controller") / "children.csv"), _rows(run_dir("ptb-random") / "children.csv")
    n = min(len(pc_all), len(pr_all))
    if n:
        c, r = search_summary("ptb-controller", "val_ppl", n), search_summary("ptb-random", "val_ppl", n)
        cfg = c["config"]
        budget = (f"{n} children per search, base-{cfg['cell_base']} cells, 2-layer LM of {cfg['ptb_hidden']} units, "
                  f"{cfg['ptb_epochs']} epoch on the first {cfg['ptb_train_tokens']} training tokens, perplexity on the "
                  f"first {cfg['ptb_val_tokens']} validation tokens; m = {cfg['architectures_per_update']}")
        xs = list(range(1, n + 1))
        curve_plot({"controller (REINFORCE)": (xs, c["ema"]), "random search": (xs, r["ema"])},
                   results_dir / "ptb_moving_avg_reward.png", "PTB cell search (reduced): moving-average reward",
                   "children evaluated", f"EMA of reward = {cfg['ppl_reward_c']:g} / ppl^2")
        rows = [[_label(s), s["children"], s["failed"], f"{s['ema'][-1]:.3g}", s["mean_value_last_quarter"], s["top1"],
                 s["top5"]] for s in (c, r)]
        lines += ["", "### PTB recurrent-cell search: controller vs random search (same budget)", "",
                  f"Budget: {budget}.", "",
                  markdown_table(["run", "children", "failed", "final moving-avg reward", "mean val ppl, last 1/4",
                                  "best val ppl", "mean of best-5 val ppl"], rows, digits=1), "",
                  "![PTB moving-average reward](../../results/nas/ptb_moving_avg_reward.png)", "",
                  "Paper (Table 2, full-scale, test perplexity): " + "; ".join(
                      f"{p['model']}: {p['test_ppl']}" for p in read_published(HERE / "published" / "nas_ptb.csv")[:3])
                  + ". Our numbers are validation perplexities of 1-epoch proxy children, not comparable in value."]
        ev.update(ptb_budget_architectures=n, ptb_budget=budget,
                  ptb_controller_best_val_ppl=round(c["top1"], 2), ptb_random_best_val_ppl=round(r["top1"], 2),
                  ptb_controller_run_complete=c["complete"], ptb_random_run_complete=r["complete"])

    # -------- benchmark
    bench_path = results_dir / "benchmark.json"
    if bench_path.exists():
        bench = json.loads(bench_path.read_text())
        by = {row["workers"]: row for row in bench["settings"]}
        lines += ["", "### Child evaluations per hour on this machine (2 shared CPU cores)", "",
                  markdown_table(["Ray workers", "children timed", "wall s", "evaluations / hour", "start-up s"],
                                 [[w, by[w]["children"], by[w]["wall_s"], by[w]["evals_per_hour"], by[w]["startup_s"]]
                                  for w in sorted(by)], digits=1), "", f"Child: {bench['child']}."]
        ev["child_evals_per_hour_1_worker"] = by[1]["evals_per_hour"]
        ev["child_evals_per_hour_2_workers"] = by[2]["evals_per_hour"]

    for key in ("cifar_budget_architectures", "cifar_controller_top5_val_acc", "cifar_random_top5_val_acc",
                "cifar_best_test_error_first1000", "ptb_controller_best_val_ppl", "ptb_random_best_val_ppl",
                "child_evals_per_hour_1_worker", "child_evals_per_hour_2_workers"):
        ev.setdefault(key, None)          # null = not run yet (see the README's "Not done")
    ev["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    ev["reduced_search"] = True
    (results_dir / "evidence.json").write_text(json.dumps(ev, indent=2, sort_keys=True) + "\n")
    cpu_devs = build(NASConfig, PROFILES, "cpu")[1]
    ptb_only = [d for d in build(NASConfig, PROFILES, "cpu_ptb")[1] if d.field in ("task", "total_architectures", "child_max_seconds")]
    lines += ["", "### Deviations of the CPU-scale profiles from the paper (generated from config.py)", "",
              "Profile `cpu` (CIFAR-10 search; the PTB search uses the same values):", "",
              deviations_markdown(cpu_devs), "", "Profile `cpu_ptb` differs from `cpu` in:", "",
              deviations_markdown(ptb_only)]
    body = "\n".join(lines)
    write_between_markers(HERE / "README.md", README_START, README_END, body)
    return body


def main(budget: str = "cpu", results_dir: Path = REPO / "results" / "nas") -> str:
    run_all(budget, Path(results_dir))
    return report(Path(results_dir))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(prog="papers.nas.reproduce", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", choices=["cpu", "paper"], default="cpu")
    ap.add_argument("--results", type=Path, default=REPO / "results" / "nas")
    ap.add_argument("--report-only", action="store_true", help="only rebuild tables/plots/evidence from runs/")
    args = ap.parse_args()
    print(report(args.results) if args.report_only else main(args.budget, args.results))
