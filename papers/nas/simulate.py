"""Zoph & Le 2017, control experiment on the ground-truth table: the controller vs random search.

    python -m papers.nas.simulate [--table results/nas/table_cnn2.csv] [--search-seeds 30] [--out results/nas]

Each search samples `total_architectures` architectures of the table's space (profile `table`:
200, 14% of its 1,458) and, instead of training a child, looks up the validation accuracy of one
of the architecture's seeds drawn at random -- the score of one training, noise included, as a
real search would see it. The controller is the search's own code (controller.Controller,
train.controller_update, losses.ema_baseline: the 2-layer LSTM, REINFORCE with an EMA baseline,
reward = val_acc^3); it samples m architectures from one state, then updates on their rewards
(the paper's synchronous replica: m children, then one update). Random search draws every
decision uniformly (search_space.random_actions, as train.py's control). Both run from
`--search-seeds` seeds.

After each sampled architecture, two curves per search:
  * picked test accuracy: the architecture the search would pick -- the highest mean of the
    validation scores it has seen of it -- and its true test accuracy, the mean over the table's
    seeds (never seen by the search);
  * the paper's view (its Fig. 6, PTB control experiment): the top-1/5/15 validation accuracy
    among the distinct architectures seen so far (each at the mean of its scores seen).
Plots: mean and 95% t-interval over search seeds. At the final budget: controller minus random
search in mean picked test accuracy, a bootstrap 95% percentile interval and a two-sided permutation
p-value (scipy.stats). Decision rule, fixed before any number was seen: the controller beats
random search when the interval lies above 0 and p < 0.05; random search beats it when the
interval lies below 0 and p < 0.05; otherwise no difference is detected at this budget.

Writes under --out: sim_curves.csv (per method and budget: mean and interval of every curve),
sim_search.json (settings, per-seed finals, the test, the evidence keys), sim_search.md (the
README snippet), sim_picked_test_acc.png, sim_topk_val_acc.png.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.errors import UserError, run_main
from common.progress import Progress
from papers.nas import losses
from papers.nas.config import NASConfig, controller_lr
from papers.nas.search_space import cnn_steps, random_actions
from papers.nas.table import DEFAULT_OUT, Table, wall_hours

METHODS = ("controller", "random")
SEARCH_SEEDS = 30            # ours: enough search seeds per method for a bootstrap interval of the mean
TOP_K = (1, 5, 15)           # the paper's Fig. 6 view: top-1/5/15 over the search
CONFIDENCE = 0.95
MAX_BUDGET_FRACTION = 0.2   # ours: a search that samples most of the space finds its best by exhaustion,
                            # not by searching; at most 20% keeps the comparison about search
RESAMPLES = 9999             # bootstrap and permutation resamples (scipy's default)


@dataclass
class SearchTrace:
    """One search, after each sampled architecture k: picked_test[k] and top[n][k]."""
    method: str
    seed: int
    picked_test: np.ndarray
    top: dict[int, np.ndarray]
    distinct: int
    controller: object = None


def run_search(table: Table, method: str, seed: int, budget: int) -> SearchTrace:
    """One simulated search of `budget` architectures on `table` (see the module doc)."""
    if method not in METHODS:
        raise ValueError(f"unknown search method {method!r}; one of {METHODS}")
    cfg = table.cfg
    steps = cnn_steps(cfg, cfg.start_layers)
    rng = np.random.default_rng(seed)
    controller = optimizer = None
    if method == "controller":
        import keras
        from papers.nas.controller import Controller
        from papers.nas.train import controller_update
        controller = Controller(steps, cfg.controller_units, cfg.controller_layers, cfg.controller_init, seed=seed)
        optimizer = keras.optimizers.Adam(controller_lr(cfg))
        optimizer.build(controller.trainable_variables)
    m = cfg.architectures_per_update
    seen: dict[int, list[float]] = {}              # table row -> validation scores seen of it
    queue, pending, baseline = [], [], None
    picked_test = np.full(budget, np.nan)
    top = {n: np.full(budget, np.nan) for n in TOP_K}
    for k in range(budget):
        if not queue:                              # the next m architectures, from one controller state
            queue = (controller.sample_batch(steps, min(m, budget - k), rng) if controller
                     else [random_actions(steps, rng)])
        actions = queue.pop(0)
        i = table.lookup_actions(actions)
        val = float(table.val[i, rng.integers(table.seeds)])      # one training of it: one seed
        seen.setdefault(i, []).append(val)
        if controller:
            pending.append({"index": k, "actions": actions, "reward": val ** cfg.reward_power})
            if len(pending) == m:                  # Sec. 3.2: update after every m architectures
                controller_update(controller, optimizer, pending, lambda index: steps, baseline)
                baseline = losses.ema_baseline(baseline, [c["reward"] for c in pending], cfg.baseline_decay)
                pending = []
        means = {j: float(np.mean(v)) for j, v in seen.items()}
        picked = max(means, key=means.get)                         # first seen wins a tie
        picked_test[k] = table.test_mean[picked]
        ranked = sorted(means.values(), reverse=True)
        for n in TOP_K:
            if len(ranked) >= n:
                top[n][k] = np.mean(ranked[:n])
    return SearchTrace(method, seed, picked_test, top, len(seen), controller)


def interval(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% t-interval over search seeds (axis 0) at each budget."""
    from scipy import stats
    n = samples.shape[0]
    mean = samples.mean(axis=0)
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * samples.std(axis=0, ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def compare(controller: np.ndarray, random: np.ndarray) -> dict:
    """Controller minus random search in mean final picked test accuracy: bootstrap interval and
    two-sided permutation p-value over independent search seeds."""
    from scipy import stats

    def difference(a, b, axis=-1):
        return np.mean(a, axis=axis) - np.mean(b, axis=axis)

    ci = stats.bootstrap((controller, random), difference, n_resamples=RESAMPLES, vectorized=True,
                         confidence_level=CONFIDENCE, method="percentile", rng=0).confidence_interval
    p = stats.permutation_test((controller, random), difference, permutation_type="independent",
                               alternative="two-sided", n_resamples=RESAMPLES, vectorized=True, rng=0).pvalue
    low, high, p = float(ci.low), float(ci.high), float(p)
    significant = p < 1 - CONFIDENCE
    verdict = ("the controller beats random search" if low > 0 and significant else
               "random search beats the controller" if high < 0 and significant else
               "no difference between the controller and random search is detected")
    return {"difference": float(difference(controller, random)), "ci95_low": low, "ci95_high": high,
            "p_value": p, "verdict": verdict}


def simulate(table: Table, search_seeds: int, out: Path) -> dict:
    """All searches, the curves, the test, the plots and the snippet; returns sim_search.json."""
    budget = table.cfg.total_architectures
    if budget > MAX_BUDGET_FRACTION * len(table.archs):
        raise UserError(f"budget {budget} of the table's {len(table.archs)} architectures: a search may sample "
                        f"at most 20% of the space (a budget well below its size); lower total_architectures")
    traces = {m: [] for m in METHODS}
    progress = Progress(len(METHODS) * search_seeds, "nas simulate", "searches")
    for seed in range(search_seeds):
        for m in METHODS:
            traces[m].append(run_search(table, m, seed, budget))
            progress.update(1)
    progress.close()
    curves = {m: {"picked_test": interval(np.stack([t.picked_test for t in traces[m]])),
                  **{f"top{n}_val": interval(np.stack([t.top[n] for t in traces[m]])) for n in TOP_K}}
              for m in METHODS}
    final = {m: np.array([t.picked_test[-1] for t in traces[m]]) for m in METHODS}
    test = compare(final["controller"], final["random"])
    stats = table.stats()
    out.mkdir(parents=True, exist_ok=True)
    _write_curves(out / "sim_curves.csv", curves, budget)
    _plots(out, curves, budget, search_seeds)
    evidence = {
        "table_architectures": stats["architectures"], "table_seeds_per_architecture": stats["seeds"],
        "table_seed_noise_std": round(stats["seed_noise_std"], 5),
        "table_architecture_spread_std": round(stats["architecture_spread_std"], 5),
        "table_wall_hours": round(wall_hours(table.meta), 2) if table.meta else None,
        "sim_search_seeds_per_method": search_seeds, "sim_budget_architectures": budget,
        "sim_controller_final_test_acc_mean": round(float(final["controller"].mean()), 5),
        "sim_random_final_test_acc_mean": round(float(final["random"].mean()), 5),
        "sim_difference_ci95_low": round(test["ci95_low"], 5),
        "sim_difference_ci95_high": round(test["ci95_high"], 5),
        "sim_p_value": round(test["p_value"], 5)}
    cfg = table.cfg
    record = {"table": table.source, "test_set": (table.meta or {}).get("test_set", "available test images"),
              "table_stats": stats, "budget": budget, "search_seeds": search_seeds,
              "controller": {"m": cfg.architectures_per_update, "lr": controller_lr(cfg),
                             "baseline_decay": cfg.baseline_decay, "reward_power": cfg.reward_power},
              "final_picked_test_acc": {m: [round(float(v), 5) for v in final[m]] for m in METHODS},
              "distinct_architectures": {m: [t.distinct for t in traces[m]] for m in METHODS},
              "test": test, "evidence": evidence}
    (out / "sim_search.json").write_text(json.dumps(record, indent=2) + "\n")
    (out / "sim_search.md").write_text(snippet(record, curves, cfg) + "\n")
    return record


def _write_curves(path: Path, curves: dict, budget: int) -> None:
    names = list(curves[METHODS[0]])
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["method", "sampled"] + [f"{n}_{part}" for n in names for part in ("mean", "ci95_low", "ci95_high")])
        for m in METHODS:
            for k in range(budget):
                w.writerow([m, k + 1] + [f"{curves[m][n][part][k]:.5f}" for n in names for part in range(3)])


def _plots(out: Path, curves: dict, budget: int, seeds: int) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    xs = np.arange(1, budget + 1)
    colors = {"controller": "tab:blue", "random": "tab:orange"}
    fig, ax = plt.subplots(figsize=(7, 4))
    for m in METHODS:
        mean, low, high = curves[m]["picked_test"]
        ax.plot(xs, mean, color=colors[m], label=f"{m} (mean of {seeds} search seeds)")
        ax.fill_between(xs, low, high, color=colors[m], alpha=0.25, linewidth=0)
    ax.set(title="Ground-truth table: test accuracy of the architecture picked by validation",
           xlabel="architectures sampled", ylabel="true (seed-mean) test accuracy")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "sim_picked_test_acc.png", dpi=100)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4))
    for m in METHODS:
        for n, style in zip(TOP_K, ("-", "--", ":")):
            mean, low, high = curves[m][f"top{n}_val"]
            ax.plot(xs, mean, style, color=colors[m], label=f"{m}, top-{n}")
            ax.fill_between(xs, low, high, color=colors[m], alpha=0.12, linewidth=0)
    ax.set(title="The paper's view: top-k validation accuracy so far (distinct architectures)",
           xlabel="architectures sampled", ylabel="mean validation accuracy of the top k")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "sim_topk_val_acc.png", dpi=100)
    plt.close(fig)


def _paper_view(record: dict, curves: dict) -> list[str]:
    """A paragraph on the paper's measure (top-5 validation accuracy seen) next to the picked test accuracy."""
    top5 = {m: curves[m]["top5_val"][0][-1] for m in METHODS}
    distinct = {m: np.mean(record["distinct_architectures"][m]) for m in METHODS}
    text = (f"The paper's measure (Fig. 6: the top-5 validation accuracy among the architectures a search has seen) "
            f"is {top5['controller']:.4f} for the controller and {top5['random']:.4f} for random search; the controller "
            f"samples {distinct['controller']:.0f} distinct architectures on average, random search "
            f"{distinct['random']:.0f}.")
    if top5["controller"] > top5["random"] and record["test"]["ci95_low"] <= 0:
        text += (" A controller that settles on a region of good architectures fills its top 5 with them, so this "
                 "measure favours it even where the one architecture it would pick tests no better.")
    return [text, ""]


def snippet(record: dict, curves: dict, cfg: NASConfig) -> str:
    """The README's lead: the table, the comparison at the final budget and the verdict."""
    s, t, ev = record["table_stats"], record["test"], record["evidence"]
    budget, seeds = record["budget"], record["search_seeds"]
    hours = (f"{ev['table_wall_hours']:.1f} h of wall time on {cfg.workers} Ray workers" if ev["table_wall_hours"]
             is not None else "wall time not recorded")
    rows = []
    for m in METHODS:
        mean, low, high = (v[-1] for v in curves[m]["picked_test"])
        top5 = curves[m]["top5_val"][0][-1]
        rows.append(f"| {m} | {mean:.4f} | [{low:.4f}, {high:.4f}] | {top5:.4f} | "
                    f"{np.mean(record['distinct_architectures'][m]):.0f} |")
    return "\n".join([
        "### Controller vs random search on a ground-truth table (the control experiment, many search seeds)", "",
        f"Every architecture of a reduced CNN space ({s['architectures']:,}: {cfg.start_layers} conv layers, filter "
        f"heights and widths {list(cfg.filter_heights)}, filter counts {list(cfg.num_filters)}, anchor-point skip "
        f"connections) trained from {s['seeds']} seeds with one child budget ({cfg.child_epochs} epochs on "
        f"{cfg.train_size:,} training images at {cfg.image_size}x{cfg.image_size}, {cfg.child_lr_schedule} lr; "
        f"scored on {cfg.val_size:,} validation images and on the {record['test_set']}), {hours} "
        f"(`{record['table']}`, `papers/nas/table.py`). "
        f"Seed-to-seed noise of the validation accuracy (pooled std) {s['seed_noise_std']:.4f}; spread between "
        f"architectures (std of the seed means) {s['architecture_spread_std']:.4f}.", "",
        f"{seeds} search seeds per method, {budget} architectures sampled per search "
        f"({100 * budget / s['architectures']:.0f}% of the space); a sampled architecture scores one randomly drawn "
        f"seed's validation accuracy (controller reward = val_acc^{cfg.reward_power:g}; m = "
        f"{cfg.architectures_per_update}, Adam lr {controller_lr(cfg)}, baseline decay {cfg.baseline_decay}). "
        "The search picks the architecture with the best mean validation score it saw; reported is that "
        "architecture's true test accuracy (mean over the table's seeds) (`papers/nas/simulate.py`).", "",
        f"| search | picked architecture's test acc, mean over {seeds} search seeds | 95% interval | "
        "top-5 val acc seen | distinct architectures sampled |",
        "|---|---|---|---|---|", *rows, "",
        f"Controller minus random search at {budget} architectures: {t['difference']:+.4f} test accuracy, "
        f"95% bootstrap interval [{t['ci95_low']:+.4f}, {t['ci95_high']:+.4f}], permutation p = {t['p_value']:.3g}. "
        f"**On this table, {t['verdict']} at a budget of {budget} architectures.**", "",
        *_paper_view(record, curves),
        "![Ground-truth table: picked architecture's test accuracy](nas/sim_picked_test_acc.png)",
        "![Ground-truth table: top-1/5/15 validation accuracy so far](nas/sim_topk_val_acc.png)", ""])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="papers.nas.simulate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", type=Path, default=DEFAULT_OUT, help=f"a complete table (default {DEFAULT_OUT})")
    ap.add_argument("--search-seeds", type=int, default=SEARCH_SEEDS, help="search seeds per method (default 30)")
    ap.add_argument("--out", type=Path, default=Path("results/nas"), help="folder of the outputs")
    args = ap.parse_args(argv)
    if args.search_seeds < 2:
        raise UserError(f"--search-seeds {args.search_seeds}: an interval over search seeds needs at least 2; "
                        f"pass --search-seeds 30")
    table = Table.load(args.table)
    record = simulate(table, args.search_seeds, args.out)
    print(f"[nas simulate] {record['test']['verdict']}: controller - random = {record['test']['difference']:+.4f} "
          f"[{record['test']['ci95_low']:+.4f}, {record['test']['ci95_high']:+.4f}], p = {record['test']['p_value']:.3g}",
          flush=True)
    return record


if __name__ == "__main__":
    run_main(main)
