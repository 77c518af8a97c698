"""End-To-End Memory Networks (Sukhbaatar et al. 2015): this paper's section of results/REPORT.md.

Reads the finished runs under <runs_root>/memn2n/ (summary.json, metrics.csv) of the tables in
papers/memn2n/tables.py and the published numbers in papers/memn2n/published/, and writes under
results_dir (= results/memn2n/):
    <table>.csv                per-task test error, ours next to the paper's column
    <table>.png                per-task bar chart, ours vs paper
    ptb_curve.png              PTB learning curve with the paper's perplexities
    weights/1k_pe_ls_rn-task<t>.weights.h5 (+ .json)
                               the networks behind the main table, every repeat of each task, with
                               the record `evaluate --weights` rebuilds them from
    evidence.json              the section's numbers, flat
and (budget cpu) the results block of papers/memn2n/README.md. Every number comes from those
files: nothing here is typed by hand.

    collect(budget, runs_root, results_dir)   the numbers of every table, the timed re-run, the
                                              benchmark and the PTB run; draws the plots
    render(facts)                             the Markdown body
    section(budget, runs_root, results_dir)   both, plus evidence.json and the README block
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import numpy as np

from common.report import (BUDGET, PROTOCOL, SMOKE, SMOKE_HEADLINE, Section, commit_label, measured_file, plots_md,
                           relink, results_md, shown, smoke_banner, write_evidence, write_readme_block)
from common import weights as kept_weights
from common.results import bar_chart, curve_plot, markdown_table, read_json, read_published
from common.run import latest_checkpoint
from papers.memn2n.evaluate import select_best
from papers.memn2n.tables import PASS_PCT, TABLES, Table, ptb_dir, run_dir, seeds, tasks

PAPER = "memn2n"
#: the table whose networks are kept in results/memn2n/weights/ (Table 1's main column, one process per task)
KEPT_TABLE = "1k_pe_ls_rn"
PUBLISHED = Path(__file__).with_name("published")
README = Path(__file__).with_name("README.md")

#: bAbI task names and, where we have one, a hypothesis for a systematic gap to the paper.
TASKS = {1: "single supporting fact", 2: "two supporting facts", 3: "three supporting facts",
         4: "two-argument relations", 5: "three-argument relations", 6: "yes/no questions", 7: "counting",
         8: "lists/sets", 9: "simple negation", 10: "indefinite knowledge", 11: "basic coreference",
         12: "conjunction", 13: "compound coreference", 14: "time reasoning", 15: "basic deduction",
         16: "basic induction", 17: "positional reasoning", 18: "size reasoning", 19: "path finding",
         20: "agents' motivations"}
HYPOTHESIS = {
    16: "an all-or-nothing task (runs either find the induction rule or stay near 50%)",
    17: "a task that no MemN2N variant of the paper solves",
    19: "a task that no MemN2N variant of the paper solves",
}
BUDGET_TEXT = {
    "1k": "the paper's: 10 repeats of 20 LS + 100 epochs (official config_babi.m), single task",
    "joint": "the paper's 10 repeats of 30 LS + 60 epochs (config_babi_joint.m), run as processes whose repeats are pooled",
    "10k": "paper: 10 repeats of 20 LS + 100 epochs; cpu budget: see the table's settings",
}
PROTOCOL_TEXT = ("Per task, the test error over the task's 1,000 test questions of the one run (of all "
                 "repeats) with the lowest training error, the paper's selection rule (ties: validation error, then "
                 "run index); a task fails when that error is above 5%. Supporting facts are never used (weak "
                 "supervision). PTB: perplexity over the whole test stream in sequential windows, the model with the "
                 "best validation perplexity.")


# ---------------------------------------------------------------------------------- collect()
def _summary(path: Path) -> dict | None:
    f = path / "summary.json"
    return json.loads(f.read_text()) if (path / "DONE").exists() and f.exists() else None


def collect_table(table: Table, budget: str, runs_root: Path) -> dict:
    """Per-task errors of the selected run (the paper's rule over all repeats of all processes of
    a task), the mean over runs; wall time; what is missing; the run directories used."""
    best, mean_all, runs, wall, missing, pending, commits = {}, {}, {}, 0.0, [], [], set()
    repeats, dirs = 0, []
    for task in tasks(table, budget):
        paths = [run_dir(runs_root, table, budget, task, seed) for seed in seeds(table, budget)]
        dirs += [p for p in paths if (p / "config.json").exists()]
        found = [s for s in (_summary(p) for p in paths) if s]
        if len(found) < len(paths):
            pending.append(task)
        if not found:
            continue
        commits.update(commit_label(v) for v in map(read_json, (p / "versions.json" for p in paths)) if v)
        wall += sum(s.get("train_wall_time_s", s.get("wall_time_s_this_invocation", 0.0)) for s in found)
        train_err = sum((s["train_error_pct"] for s in found), [])
        val_err = sum((s["val_error_pct"] for s in found), [])
        k = select_best(train_err, val_err)
        for t in found[0]["test_error_pct_all_repeats"]:
            all_runs = sum((s["test_error_pct_all_repeats"][t] for s in found), [])
            best[int(t)] = all_runs[k]
            mean_all[int(t)] = float(np.mean(all_runs))
            runs[int(t)] = all_runs
        repeats = len(train_err)
    if table.data_set == "en-10k":
        missing = [3]
    return {"best": best, "mean_all": mean_all, "runs": runs, "wall_s": wall, "pending": pending, "missing": missing,
            "repeats": repeats or None, "commits": sorted(commits), "dirs": dirs}


def paper_column(table: Table) -> dict[int, float]:
    if not table.paper_column:
        return {}
    size = "10k" if table.data_set.endswith("-10k") else "1k"     # Table 1 (1k) or Appendix A Table 3 (10k)
    rows = read_published(PUBLISHED / f"memn2n_babi_{size}.csv", variant=table.paper_column)
    return {int(r["task"]): float(r["test_error_pct"]) for r in rows if r["task"].isdigit()}


def write_table_files(table: Table, res: dict, paper: dict, results_dir: Path) -> None:
    with open(results_dir / f"{table.name}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["task", "ours_best_error_pct", "ours_mean_error_pct", "paper_error_pct", "paper_source"])
        for t in range(1, 21):
            w.writerow([t, res["best"].get(t, ""), round(res["mean_all"][t], 3) if t in res["mean_all"] else "",
                        paper.get(t, ""), table.paper_column])
    series = {"ours (selected run)": [res["best"].get(t) for t in range(1, 21)]}
    if paper:
        series[table.paper_column] = [paper.get(t) for t in range(1, 21)]
    bar_chart(list(range(1, 21)), series, results_dir / f"{table.name}.png", title=table.title,
              ylabel="test error (%)", xlabel="bAbI task")


def collect_rerun(runs_root: Path) -> dict | None:
    """The timed re-run of the 1k PE LS RN table by `benchmark --table runs/memn2n/timing`: its
    wall time, and how far its errors are from the table's (same seed, same config)."""
    folder = Path(runs_root) / PAPER / "timing"
    summaries = [_summary(folder / f"task{t}") for t in TABLES["1k_pe_ls_rn"].tasks]
    if not all(summaries):
        return None
    ours = collect_table(TABLES["1k_pe_ls_rn"], "paper", runs_root)["best"]
    return {"wall_min": sum(s["wall_time_s_this_invocation"] for s in summaries) / 60,
            "mean_error": float(np.mean([s["test_error_pct"] for s in summaries])),
            "max_diff": max(abs(s["test_error_pct"] - ours[s["task"]]) for s in summaries)}


def collect_ptb(budget: str, runs_root: Path, results_dir: Path) -> dict | None:
    """The PTB run (Sec. 5) with the paper's rows of Table 2; draws its learning curve."""
    run = ptb_dir(runs_root, budget)
    s = _summary(run)
    cfg = json.loads((run / "config.json").read_text())["config"] if (run / "config.json").exists() else None
    if s is None or cfg is None:
        return None
    lm = read_published(PUBLISHED / "memn2n_lm.csv", dataset="PTB")
    with open(run / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    same = [r for r in lm if r["model"].startswith("MemN2N") and r["hops"] == str(cfg["hops"])
            and r["memory"] == str(cfg["memory_size"]) and r["hidden"] == str(cfg["hidden"])]
    best = [r for r in lm if r["model"] == "MemN2N (best)"][0]
    hlines = {f"paper best (150/7/200): test {best['test_ppl']}": float(best["test_ppl"])}
    if same:
        hlines[f"paper {cfg['hidden']}/{cfg['hops']}/{cfg['memory_size']}: test {same[0]['test_ppl']}"] = \
            float(same[0]["test_ppl"])
    xs = [int(r["updates"]) for r in rows]
    curve_plot({"validation perplexity": (xs, [float(r["valid_ppl"]) for r in rows]),
                "training perplexity (running)": (xs, [float(r["train_ppl"]) for r in rows])},
               results_dir / "ptb_curve.png", title=f"MemN2N PTB ({budget} budget)", xlabel="updates (batch 128)",
               ylabel="perplexity", hlines=hlines)
    budget_text = (f"{cfg['hidden']} hidden, {cfg['hops']} hops, memory {cfg['memory_size']}, "
                   f"{s['updates']} updates of batch {cfg['batch_size']} ({s['epochs']} epochs of "
                   f"{cfg['epoch_size'] or 'official size'}), {s['train_wall_time_s'] / 60:.0f} min")
    return {"summary": s, "cfg": cfg, "paper_rows": [r for r in lm if r["model"].startswith("MemN2N")],
            "budget_text": budget_text, "dir": run,
            "commit": commit_label(read_json(run / "versions.json") or {})}


def keep_networks(table: Table, budget: str, runs_root: Path, results_dir: Path) -> list[dict]:
    """The network of each finished task run of `table` (its newest checkpoint, every repeat) kept
    as results_dir/weights/<table>-task<t>.weights.h5 with its record: the run's config and seed,
    the epoch, and the repeat and test error of its summary."""
    from papers.memn2n.evaluate import save_weights
    kept = []
    for task in tasks(table, budget):
        run = run_dir(runs_root, table, budget, task)
        summary = _summary(run)
        if summary is None or latest_checkpoint(run) is None:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / f"network{kept_weights.SUFFIX}"
            record = {**save_weights(run, src), "run": shown(run), "table": table.name, "task": task,
                      "selected_repeat": summary["selected_repeat"], "test_error_pct": summary["test_error_pct"],
                      "protocol": "repeat with the lowest training error (ties: validation error, index); "
                                  "its error over the task's test questions"}
            kept.append(kept_weights.keep(src, results_dir, f"{table.name}-task{task}", record))
    return kept


def _kept_glob(table: Table, results_dir: Path) -> str:
    return f"{shown(results_dir / 'weights')}/{table.name}-task*{kept_weights.SUFFIX}"


def collect(budget: str, runs_root: Path, results_dir: Path) -> dict:
    """Every table's numbers (and its files), the kept networks of the main table, the timed re-run,
    the benchmark, the PTB run."""
    results_dir.mkdir(parents=True, exist_ok=True)
    tables = []
    for table in TABLES.values():
        res, paper = collect_table(table, budget, runs_root), paper_column(table)
        if res["best"]:
            write_table_files(table, res, paper, results_dir)
        kept = keep_networks(table, budget, runs_root, results_dir) if table.name == KEPT_TABLE else None
        tables.append({"table": table, "res": res, "paper": paper, "kept": kept,
                       "kept_glob": _kept_glob(table, results_dir)})
    smoke = budget == SMOKE
    bench, bench_from = (None, "") if smoke else measured_file(PAPER, "benchmark.txt", runs_root, results_dir)
    return {"budget": budget, "smoke": smoke, "tables": tables,
            "rerun": None if smoke else collect_rerun(runs_root),
            "bench": bench.read_text() if bench is not None else None, "bench_from": bench_from,
            "ptb": collect_ptb(budget, runs_root, results_dir)}


def _table_numbers(res: dict) -> tuple[list[int], float, int]:
    """(tasks done, mean error of the selected runs, failed tasks)."""
    done = sorted(res["best"])
    return done, float(np.mean([res["best"][t] for t in done])), int(sum(res["best"][t] > PASS_PCT for t in done))


def evidence(facts: dict) -> dict:
    """evidence.json: the section's numbers, flat, keys sorted."""
    ev, commits = {"budget": facts["budget"]}, set()
    for item in facts["tables"]:
        table, res = item["table"], item["res"]
        commits.update(res["commits"])
        if not res["best"]:
            continue
        done, mean, fails = _table_numbers(res)
        key = f"babi_{table.name}"
        ev.update({f"{key}_mean_error": round(mean, 3), f"{key}_failed_tasks": fails,
                   f"{key}_tasks_done": len(done), f"{key}_repeats": res["repeats"],
                   f"{key}_wall_minutes": round(res["wall_s"] / 60, 2), f"{key}_paper_mean_error": table.paper_mean,
                   f"{key}_run_commits": ", ".join(res["commits"])})
        if item["kept"] is not None:
            files = [k for k in item["kept"] if k["kept"]]
            ev.update({f"{key}_weights": item["kept_glob"] if files else None, f"{key}_weights_files": len(files),
                       f"{key}_weights_bytes": sum(k["bytes"] for k in files)})
    if "babi_1k_pe_ls_rn_wall_minutes" in ev:
        ev["babi_1k_pe_ls_rn_table_wall_minutes"] = ev["babi_1k_pe_ls_rn_wall_minutes"]
    if "babi_1k_joint_mean_error" in ev:
        ev["babi_1k_joint_pe_ls_rn_mean_error"] = ev["babi_1k_joint_mean_error"]
    if facts["rerun"]:
        ev["babi_1k_pe_ls_rn_table_wall_minutes_rerun"] = round(facts["rerun"]["wall_min"], 2)
        ev["babi_1k_pe_ls_rn_rerun_max_abs_diff"] = round(facts["rerun"]["max_diff"], 3)
    ptb, budget = facts["ptb"], facts["budget"]
    if ptb:
        commits.add(ptb["commit"])
        ev.update({f"ptb_{budget}_test_perplexity": ptb["summary"]["test_ppl"],
                   f"ptb_{budget}_valid_perplexity": ptb["summary"]["valid_ppl"],
                   f"ptb_{budget}_budget": ptb["budget_text"]})
    ev["commit"] = ", ".join(sorted(commits))
    return dict(sorted(ev.items()))


# ---------------------------------------------------------------------------------- render()
def _why(runs: list[float], published: float, task: int, sets: tuple[str, ...] = ()) -> str:
    """Whether the published value lies within the spread of our runs (selection/seed variance)
    or outside it (systematic), plus a hypothesis where we have one; in an ablation (`sets`)
    a systematic gap is put down to the one setting it changes."""
    lo, hi = min(runs), max(runs)
    if lo <= published <= hi:
        return (f"the published value lies within the range of our {len(runs)} runs ({lo:.1f}-{hi:.1f}): "
                f"seed variance and the selection by training error, not a systematic gap.")
    text = (f"all {len(runs)} of our runs are {'above' if lo > published else 'below'} the published value "
            f"({lo:.1f}-{hi:.1f}): a systematic gap")
    if sets:
        text += f" caused by `{' '.join(sets)}`, the ablation's only change from the main table"
    hypothesis = HYPOTHESIS.get(task, "" if sets else "cause not identified")
    return text + (f"; {hypothesis}." if hypothesis else ".")


def table_markdown(table: Table, res: dict, paper: dict[int, float]) -> tuple[str, list[str]]:
    rows, notes = [], []
    for t in range(1, 21):
        ours = res["best"].get(t)
        p = paper.get(t)
        diff = None if ours is None or p is None else ours - p
        rows.append([t, ours, res["mean_all"].get(t), p, diff])
        if diff is not None and abs(diff) > 5:
            notes.append(f"- task {t} ({TASKS[t]}): {diff:+.1f} points; " + _why(res["runs"][t], p, t, table.sets))
    done = [t for t in range(1, 21) if t in res["best"]]
    mean = float(np.mean([res["best"][t] for t in done])) if done else None
    fails = sum(res["best"][t] > PASS_PCT for t in done)
    # the paper's mean and failures over the tasks the table runs (a joint model, task 0, answers all 20)
    p_done = [paper[t] for t in range(1, 21) if t in paper and (0 in table.tasks or t in table.tasks)]
    rows.append(["**mean**", mean, float(np.mean([res["mean_all"][t] for t in done])) if done else None,
                 float(np.mean(p_done)) if p_done else None, None])
    rows.append([f"**failed (> {PASS_PCT:.0f}%)**", fails, None,
                 sum(v > PASS_PCT for v in p_done) if p_done else None, None])
    label = table.paper_column or "paper (no per-task column)"
    header = ["task", f"ours (best of {res['repeats']} by train error)", f"ours (mean of {res['repeats']})",
              label, "ours - published"]
    return markdown_table(header, rows), notes


def budget_line(table: Table, budget: str) -> str:
    """'Budget: <the paper's schedule>; settings `...`; N processes (seeds [...]).' for a table."""
    if budget == SMOKE:
        return ("Budget: **smoke** (a pipeline check: the first two tasks, profile `smoke` = 1 LS + 2 epochs, "
                "2 repeats; the numbers mean nothing).\n\n")
    settings = list(table.sets)
    if budget == "cpu":
        settings += table.cpu_sets
        if table.cpu_repeats:
            settings.append("repeats=" + "+".join(map(str, table.cpu_repeats)))
    text = "Budget: " + BUDGET_TEXT["joint" if table.variant == "joint" else table.data_set.replace("en-10k", "10k")
                                    .replace("en", "1k")]
    if settings:
        text += f"; settings `{' '.join(settings)}`"
    if len(seeds(table, budget)) > 1:
        text += f"; {len(seeds(table, budget))} processes (seeds {list(seeds(table, budget))})"
    return text + ".\n\n"


def kept_md(item: dict) -> str:
    """Where the networks behind the table are and the command that re-scores them."""
    kept, glob = item["kept"], item["kept_glob"]
    files = [k for k in kept if k["kept"]]
    if not files:
        return "The networks behind this table are not kept: its runs have no checkpoints."
    size = sum(k["bytes"] for k in files) / 2**20
    count = f"{len(files)} file" + ("s" if len(files) > 1 else "")
    text = (f"The networks behind this table are kept: {count}, {size:.1f} MB in all (`{glob}`, "
            f"every repeat of each task, with a .json record beside each). "
            f"`python -m papers.memn2n.evaluate --weights {glob}` selects each task's repeat by training error "
            f"again and prints its test error, the mean and the failed tasks.")
    if len(files) < len(kept):
        text += (f" {len(kept) - len(files)} task(s) stay in their run directories: over the size kept in the "
                 f"repository.")
    return text


def table_section(table: Table, res: dict, paper: dict, budget: str, kept: str = "") -> str:
    """One table: its budget, our mean and failures next to the paper's, the per-task table."""
    head = f"#### {table.title}\n\n"
    if table.sets:
        head += (f"Same configuration as the main PE LS RN table except `{' '.join(table.sets)}`: the gaps below are "
                 f"what that choice costs.\n\n")
    head += budget_line(table, budget)
    if not res["best"]:
        return head + "Not run yet."
    md, notes = table_markdown(table, res, paper)
    done, mean, fails = _table_numbers(res)
    status = (f"Paper mean error {table.paper_mean} (published/). Ours: mean {mean:.2f} over {len(done)} tasks, "
              f"{fails} failed; {res['repeats']} repeats per task, wall time {res['wall_s'] / 60:.1f} min "
              f"(sum over tasks, on 2 cores). Failed tasks: "
              f"{', '.join(str(t) for t in done if res['best'][t] > PASS_PCT) or 'none'}.")
    if res["pending"]:
        status += f" **Partial: tasks {res['pending']} not finished.**"
    if res["missing"]:
        status += f" Task(s) {res['missing']} missing: the 10k training file of task 3 is not in the data folder."
    return (head + status + "\n\n" + md + ("\n\nTasks more than 5 points from the paper's column:\n"
                                           + "\n".join(notes) if notes else "") + (f"\n\n{kept}" if kept else ""))


def _rerun_md(rerun: dict) -> str:
    return (f"#### Timed re-run of the 1k PE LS RN table\n\n`python -m papers.memn2n.benchmark --table "
            f"runs/memn2n/timing` re-trained all 20 tasks x 10 repeats from scratch: {rerun['wall_min']:.1f} min of "
            f"wall time (sum of the per-task runs), mean error {rerun['mean_error']:.2f}; the largest per-task "
            f"difference to the table above is {rerun['max_diff']:.2f} points (same seed and config).")


def _ptb_md(ptb: dict | None, budget: str) -> str:
    head = "#### Penn Treebank language model\n\n"
    if ptb is None:
        return head + "PTB language model: not run yet (or not finished)."
    s, cfg = ptb["summary"], ptb["cfg"]
    md = markdown_table(
        ["run", "valid ppl", "test ppl", "source"],
        [[f"ours ({budget}: {cfg['hidden']}/{cfg['hops']}/{cfg['memory_size']})", s["valid_ppl"], s["test_ppl"],
          f"memn2n/ptb_{budget}"]] +
        [[f"paper {r['hidden']}/{r['hops']}/{r['memory']}", r["valid_ppl"] or None, r["test_ppl"], r["source"][:60]]
         for r in ptb["paper_rows"]])
    return head + f"PTB language model (Sec. 5), budget: {ptb['budget_text']}.\n\n{md}"


def _plots_md(facts: dict) -> str:
    """Each table's bar chart, ours vs the paper per task, then the PTB learning curve."""
    images = [f"![{t['table'].name}](memn2n/{t['table'].name}.png)" for t in facts["tables"] if t["res"]["best"]]
    images += ["![PTB curve](memn2n/ptb_curve.png)"] if facts["ptb"] else []
    return plots_md("\n\n".join(images))


def _budget_md() -> str:
    """MemN2N gives each table's budget with the table (budget_line()): BUDGET says where."""
    return (f"{BUDGET}\n\nGiven per table, in its subsection above: the paper's schedule next to our settings and "
            "processes (the line \"Budget: ...\") and our wall time; the PTB model's, in its subsection.")


def render(facts: dict) -> str:
    """The section's body (links relative to results/)."""
    budget = facts["budget"]
    tables = [table_section(t["table"], t["res"], t["paper"], budget, kept_md(t) if t["kept"] is not None else "")
              for t in facts["tables"]]
    if facts["rerun"]:
        tables.append(_rerun_md(facts["rerun"]))
    if facts["bench"] is not None:
        tables.append("#### Throughput (`python -m papers.memn2n.benchmark`, output in results/memn2n/benchmark.txt)"
                      f"\n\nFrom {facts['bench_from']}.\n\n```\n" + facts["bench"].strip() + "\n```")
    tables.append(_ptb_md(facts["ptb"], budget))
    banner = [smoke_banner("the first two tasks of each table and the PTB model at profile `smoke`")] \
        if facts["smoke"] else []
    parts = banner + [results_md(tables), _plots_md(facts), _budget_md(), f"{PROTOCOL}\n\n{PROTOCOL_TEXT}"]
    return "\n\n".join(part for part in parts if part)


def headline(facts: dict) -> str:
    parts = []
    for item in facts["tables"]:
        table, res = item["table"], item["res"]
        if table.sets or not res["best"]:
            continue
        done, mean, _ = _table_numbers(res)
        label = table.name.replace("_", " ").replace("pe ls rn", "PE LS RN").replace("pe", "PE").replace("bow", "BoW")
        parts.append(f"{label} {mean:.1f}% (paper {table.paper_mean})" if not res["pending"] else
                     f"{label} partial, {len(done)} of {len(tasks(table, facts['budget']))} tasks done")
    if facts["ptb"]:
        parts.append(f"PTB test ppl {facts['ptb']['summary']['test_ppl']:.0f} at the {facts['budget']} budget "
                     f"(paper best 111)")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------- section()
def deviations_md(budget: str) -> str:
    """The deviation records of the configs that produced the tables (from config.py, not typed)."""
    from common.config import Deviation, build, deviations_markdown
    from papers.memn2n.config import BABI_PROFILES, LM_PROFILES, BabiConfig, LMConfig
    devs = list(build(BabiConfig, BABI_PROFILES, "paper")[1])
    if budget == "cpu":
        for table in TABLES.values():
            for item in table.cpu_sets:
                key, value = item.split("=", 1)
                devs.append(Deviation(f"{key} ({table.name})", getattr(BabiConfig(), key), value,
                                      f"cpu budget for table {table.name}: fits the 2-core time budget"))
            if len(table.cpu_seeds) > 1:
                split = "+".join(map(str, table.cpu_repeats)) if table.cpu_repeats else "10 each"
                devs.append(Deviation(f"processes ({table.name})", 1, len(table.cpu_seeds),
                                      f"seeds {list(table.cpu_seeds)} with {split} repeats: the repeats run as "
                                      f"separate processes (each resumable on its own) and are pooled before the "
                                      f"paper's selection (lowest training error)"))
    lm = build(LMConfig, LM_PROFILES, budget)[1]
    return ("bAbI (config.py and the cpu reductions of tables.py):\n\n" + deviations_markdown(devs) +
            f"\n\nPTB language model, profile `{budget}`:\n\n" + (deviations_markdown(lm) if lm else "none"))


def section(budget: str, runs_root: Path, results_dir: Path, readme: Path | None = README) -> Section:
    """Every table, the PTB section and evidence.json from the runs under runs_root/memn2n/;
    writes the README block at budget cpu (deterministic: no clock, no HEAD)."""
    runs_root, results_dir = Path(runs_root), Path(results_dir)
    facts = collect(budget, runs_root, results_dir)
    write_evidence(results_dir, evidence(facts))
    body = render(facts)
    if readme is not None and budget == "cpu":
        write_readme_block(readme, "results", relink(body, PAPER, "readme") +
                           "\n\n### Deviations recorded by the configs\n\n" + deviations_md(budget))
    dirs = [d for t in facts["tables"] for d in t["res"]["dirs"]] + ([facts["ptb"]["dir"]] if facts["ptb"] else [])
    text = headline(facts)
    if not text:
        return Section("not run", "no runs yet", body, dirs)
    complete = all(t["res"]["best"] and not t["res"]["pending"] for t in facts["tables"]) and facts["ptb"]
    return Section("complete" if complete else "partial",
                   (SMOKE_HEADLINE if facts["smoke"] else "") + "mean bAbI error " + text, body, dirs)
