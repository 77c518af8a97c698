"""The reproduction report: results/REPORT.md rebuilt from run directories, without training.

    python -m common.report [--runs runs] [--results results] [--budget cpu|paper|smoke] [--papers dqn a3c]

Each paper offers two functions:

    papers/<paper>/reproduce.py  run(budget, runs_root)
        train, resume, evaluate, benchmark (the slow part); writes only under runs_root/<paper>/
    papers/<paper>/report.py     section(budget, runs_root, results_dir, readme) -> Section
        built from those run directories and the paper's published/ files only: collect() reads
        the numbers (and draws the plots) into a plain dict, render() turns it into Markdown;
        writes its tables and plots under results_dir (= results/<paper>) and, at budget cpu,
        the generated blocks of its README.
    (A paper without a report.py yet keeps that function as papers/<paper>/reproduce.py: report.)

`make reproduce` (common/reproduce.py) calls run() then this module; a user with runs made
elsewhere (say on a GPU cluster) drops them into a runs folder and calls this module alone.
The report is a pure function of the run directories: no clock, no current commit, so
rebuilding it from the same runs gives the same file. Every paper's section has the same
headings in the same order (the skeleton below): the paper's own part (tables next to the
published numbers with their sources, plots, budget used against the paper's, evaluation
protocol), then, from the run directories, the deviations from the paper in force and a
provenance table (profile, seed, state, wall time, commit, package versions).

The network behind a headline score is kept, when under 10 MB, as
`<results>/<paper>/weights/<run>.weights.h5` with a `.json` record beside it (common/weights.py):
the paper's evaluate command re-scores it (`--weights`, so far DQN and A3C) without the run directory.

Each paper's rendered section is also kept as `<results>/<paper>/report_section.json` (committed
with the rest of results/). `--papers` rebuilds only the papers named, from their run
directories, and takes the others' sections from those files unchanged: run directories hold
checkpoints and replay memories and are never committed, so a machine that re-ran one paper
can refresh that paper's part of the report without the others' runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import json
import os
from pathlib import Path

from common.results import markdown_table, read_json, read_rows, write_between_markers

ROOT = Path(__file__).resolve().parents[1]
PAPERS_DIR = ROOT / "papers"
PAPERS = ("dqn", "a3c", "memn2n", "nas", "slac")
TITLES = {
    "dqn": "DQN (Mnih et al. 2013, 2015)",
    "a3c": "Asynchronous methods / A3C (Mnih et al. 2016)",
    "memn2n": "End-To-End Memory Networks (Sukhbaatar et al. 2015)",
    "nas": "Neural Architecture Search with RL (Zoph & Le 2017)",
    "slac": "Stochastic Latent Actor-Critic (Lee et al. 2020)",
}
STATUSES = ("complete", "partial", "not run")
#: cpu: the CPU-scale reproduction (results/); paper: the papers' budgets; smoke: every step of
#: the pipeline at toy size in minutes, to check that `make reproduce` works (numbers meaningless).
#: Budgets other than cpu write under results/<budget>/ and never touch the READMEs.
BUDGETS = ("cpu", "paper", "smoke")
#: Each paper's rendered section, saved under <results>/<paper>/ by every build that rebuilds it.
SECTION_FILE = "report_section.json"
#: Packages whose versions the provenance table lists (all of versions.json is in each run dir).
KEY_PACKAGES = ("tensorflow", "keras", "numpy", "python")


@dataclasses.dataclass
class Section:
    """One paper's part of the report, returned by papers/<paper>/report.py: section().

    status    "complete" (every planned run finished), "partial" (some ran, or stopped early:
              the body says what is missing) or "not run"
    headline  one Markdown line for the overview table: our main number next to the paper's
    body      Markdown, the skeleton's parts from RESULTS to PROTOCOL: tables ours vs paper
              with each published number's source, plots as ![..](<paper>/<file>.png)
              (relative to results/), the budget used against the paper's, the evaluation protocol
    runs      the run directories the numbers come from; the deviations list and the provenance
              table are read from their config.json, deviations.json, versions.json
    """
    status: str
    headline: str
    body: str
    runs: list[Path] = dataclasses.field(default_factory=list)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"Section.status must be one of {STATUSES}, got {self.status!r}")


# ---------------------------------------------------------------------------------- the skeleton
# Every paper's section has these parts, in this order, with these "###" headings and no other
# (a paper's own parts are "####" subsections of one of them). rendered() writes the title, the
# status line, the deviations and the provenance; papers/<paper>/report.py renders the body
# between them, from the banner to PROTOCOL (results_md() and plots_md() write the first two):
#   ## <title>
#   **Status: <status>.** <headline>      the headline: our main number next to the paper's
#   smoke_banner(...)                     budget smoke only: the numbers are meaningless
#   partial_note(missing)                 what is not finished yet, when anything is not
#   RESULTS                               one "#### <title>" subsection per table of ours next to
#                                         the published numbers (each with its source)
#   PLOTS                                 every plot of the section, ![..](<paper>/<file>.png)
#   BUDGET                                the budget used against the paper's
#   PROTOCOL                              how the numbers were measured
#   DEVIATIONS                            the deviations from the paper in force in the runs
#   PROVENANCE                            the runs: profile, seed, state, commit, versions
# A heading with nothing under it is left out rather than written empty: PLOTS where a section
# has no plot, and any part a section that has nothing run yet cannot fill. At budgets other than
# cpu, build() adds the paper's experiment list (common/launch.py) as the last subsection of RESULTS.
RESULTS = "### Results: ours vs the paper"
PLOTS = "### Plots"
BUDGET = "### Budget: used vs the paper's"
PROTOCOL = "### Evaluation protocol"
DEVIATIONS = "### Deviations from the paper"
PROVENANCE = "### Runs and provenance"
SKELETON = (RESULTS, PLOTS, BUDGET, PROTOCOL, DEVIATIONS, PROVENANCE)
SMOKE = "smoke"
SMOKE_HEADLINE = "smoke run (pipeline check, numbers meaningless): "


def smoke_banner(settings: str) -> str:
    """The first paragraph of a section built at budget smoke; `settings` says what ran."""
    return (f"**Smoke run** (budget `smoke`: {settings}): every step of `make reproduce` at toy size, "
            f"to check the pipeline; the numbers below are meaningless.")


def partial_note(missing: list[str]) -> str:
    """'**Partial.** Missing: a; b.' -- what a partial section still lacks."""
    return "**Partial.** Missing: " + "; ".join(missing) + "."


def results_md(subsections: list[str]) -> str:
    """RESULTS with the paper's tables under it, each a "#### <title>" subsection; "" without any."""
    parts = [part.strip() for part in subsections if part.strip()]
    return "\n\n".join([RESULTS, *parts]) if parts else ""


def plots_md(markdown: str) -> str:
    """PLOTS with the section's plots (`markdown`: the images and any words about them); "" when it
    holds no image, so that no section has an empty PLOTS."""
    return f"{PLOTS}\n\n{markdown.strip()}" if "![" in markdown else ""


def add_to_results(body: str, subsection: str) -> str:
    """`body` with one more "#### ..." subsection at the end of its RESULTS part."""
    if RESULTS not in body:
        return f"{body.rstrip()}\n\n{RESULTS}\n\n{subsection.strip()}\n"
    after = [i for i in (body.find(f"\n{h}\n") for h in SKELETON[1:]) if i > body.index(RESULTS)]
    at = min(after, default=len(body))
    return f"{body[:at].rstrip()}\n\n{subsection.strip()}\n\n{body[at:].lstrip()}".rstrip() + "\n"


def relink(markdown: str, paper: str, to: str) -> str:
    """A body's links are written relative to results/ (where REPORT.md lives): `](<paper>/x.png)`.
    Rewritten for a file elsewhere: to="readme" (papers/<paper>/README.md) or to="results"
    (a Markdown file inside results/<paper>/)."""
    prefix = {"readme": f"](../../results/{paper}/", "results": "]("}[to]
    return markdown.replace(f"]({paper}/", prefix)


def readme_markers(block: str, command: str = "python -m common.report") -> tuple[str, str]:
    """The two lines around a README block, naming the command that writes it (one convention for
    every README: the root README's overview, each paper's results and deviations, DQN's
    like-for-like block written by `python -m papers.dqn.dopamine`)."""
    return f"<!-- GENERATED:{block} ({command}) -->", f"<!-- /GENERATED:{block} -->"


#: the root README's overview block
README_BEGIN, README_END = readme_markers("results")


def write_readme_block(readme: Path, block: str, markdown: str, command: str = "python -m common.report") -> bool:
    """Replace README block `block` (written by `command`) by `markdown`; False (nothing written)
    without its markers."""
    return write_between_markers(readme, *readme_markers(block, command), markdown)


def write_evidence(results_dir: Path, evidence: dict) -> Path:
    """results_dir/evidence.json: a paper's numbers as one flat JSON object, keys in the order given."""
    path = Path(results_dir) / "evidence.json"
    path.write_text(json.dumps(evidence, indent=2) + "\n")
    return path


def shown(path: Path) -> str:
    """A path as the report shows it: relative to the repository when inside it (a `runs` link to a
    folder elsewhere shows as `runs`)."""
    for candidate in (Path(path).absolute(), Path(path).resolve()):
        try:
            return candidate.relative_to(ROOT).as_posix()
        except ValueError:
            continue
    return Path(path).as_posix()


def commit_label(versions: dict, missing: str = "?") -> str:
    """'0123456789+dirty': the short commit of a run's versions.json record (or `missing`)."""
    commit = versions.get("git_commit")
    if not commit:
        return missing
    return commit[:10] + ("+dirty" if versions.get("git_dirty") else "")


def measured_file(paper: str, name: str, runs_root: Path, results_dir: Path, *,
                  committed: Path | None = None, accept=None) -> tuple[Path | None, str]:
    """A measurement that a paper's run() writes as runs_root/<paper>/<name> (a benchmark, a
    random-policy score): copied into results_dir and returned with a label saying where it
    came from. While the runs folder has none, the committed copy stands in, labelled as such,
    so a report built from other runs still shows this machine's numbers: `committed`, by
    default results_dir/<name> (results/<paper>/ is where the repository commits it).
    `accept(path)` may reject a file (say, one measured on another task).
    Returns (path, label), or (None, "") when neither exists."""
    def usable(path: Path) -> bool:
        return path.is_file() and (accept is None or accept(path))

    def copied(path: Path) -> Path:
        target, data = Path(results_dir) / name, path.read_bytes()
        if not target.exists() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return path

    fresh = Path(runs_root) / paper / name
    if usable(fresh):
        return copied(fresh), f"`{paper}/{name}` of the runs folder"
    committed = committed or Path(results_dir) / name
    if usable(committed):
        return copied(committed), (f"the committed copy `results/{paper}/{name}` (measured earlier; "
                                   f"the runs folder has none)")
    return None, ""


def _run_name(run_dir: Path, runs_root: Path) -> str:
    """'dqn/cpu-seed0': a run directory relative to the runs folder (else as given)."""
    try:
        return run_dir.resolve().relative_to(runs_root.resolve()).as_posix()
    except ValueError:
        return run_dir.as_posix()


def run_record(run_dir: Path, runs_root: Path) -> dict:
    """What a run directory says about itself (written by common.run.Run)."""
    config = read_json(run_dir / "config.json") or {}
    summary = read_json(run_dir / "summary.json") if (run_dir / "DONE").exists() else None
    versions = read_json(run_dir / "versions.json") or {}
    last = (read_rows(run_dir / "metrics.csv") or [{}])[-1]
    wall = None
    for source in (summary or {}, last):
        for key in ("train_wall_time_s", "wall_time_s", "wall_time"):
            if source.get(key) not in (None, ""):
                wall = float(source[key])
                break
        if wall is not None:
            break
    resumed = [commit_label(v) for v in versions.get("resumed_with", [])]
    return {"run": _run_name(run_dir, runs_root),
            "profile": config.get("profile", "?"),
            "seed": config.get("seed", "?"),
            "state": "complete" if summary is not None else ("partial" if config else "missing"),
            "wall_time_min": f"{wall / 60:.1f}" if wall is not None else "",
            "commit": commit_label(versions, "unknown") + (f" (resumed at {', '.join(resumed)})" if resumed else ""),
            "versions": ", ".join(f"{k} {versions[k]}" for k in KEY_PACKAGES if k in versions)}


def _grouped(records: list[dict]) -> list[dict]:
    """Rows of the provenance table: one per run, or one per sub-folder of a paper's folder
    holding more than 3 runs (e.g. the 20 tasks of a bAbI table), with their states counted
    and wall times summed."""
    folders: dict[str, list[dict]] = {}
    for rec in records:
        folders.setdefault(rec["run"].rsplit("/", 1)[0] if rec["run"].count("/") >= 2 else rec["run"], []).append(rec)
    rows = []
    for folder, recs in folders.items():
        if len(recs) <= 3:
            rows += recs
            continue
        states = sorted({r["state"] for r in recs})
        walls = [float(r["wall_time_min"]) for r in recs if r["wall_time_min"]]
        rows.append({"run": f"{folder}/* ({len(recs)} runs)",
                     "profile": ", ".join(sorted({str(r["profile"]) for r in recs})),
                     "seed": ", ".join(sorted({str(r["seed"]) for r in recs})),
                     "state": ", ".join(f"{sum(r['state'] == st for r in recs)} {st}" for st in states),
                     "wall_time_min": f"{sum(walls):.1f}" if walls else "",
                     "commit": ", ".join(sorted({r["commit"] for r in recs})),
                     "versions": "; ".join(sorted({r["versions"] for r in recs}))})
    return rows


def provenance(runs: list[Path], runs_root: Path) -> str:
    """Provenance table of the runs (PROVENANCE's text)."""
    if not runs:
        return "_No run directories._"
    records = [run_record(Path(r), runs_root) for r in runs]
    columns = ["run", "profile", "seed", "state", "wall_time_min", "commit", "versions"]
    return markdown_table(columns, [[rec[c] for c in columns] for rec in _grouped(records)])


def deviations(runs: list[Path], runs_root: Path) -> str:
    """The deviations in force, the union over the runs' deviations.json, each with the runs it
    applies to (DEVIATIONS' text)."""
    if not runs:
        return "_No run directories._"
    seen: dict[tuple, list[str]] = {}
    for r in runs:
        for d in read_json(Path(r) / "deviations.json") or []:
            key = (d.get("field"), str(d.get("paper")), str(d.get("ours")), d.get("reason", ""))
            seen.setdefault(key, []).append(_run_name(Path(r), runs_root))
    if not seen:
        return "No deviations from the paper's values in these runs."
    rows = [[f"`{f}`", p, o, reason, "all" if len(who) == len(runs) else _runs_list(who)]
            for (f, p, o, reason), who in sorted(seen.items(), key=lambda kv: (kv[0][0] or "", kv[0][2]))]
    return "\n".join(["Deviations in force (from each run's deviations.json):", "",
                      markdown_table(["field", "paper", "ours", "reason", "runs"], rows)])


def runs_md(runs: list[Path], runs_root: Path) -> str:
    """The skeleton's last two parts, read from the run directories: DEVIATIONS, then PROVENANCE."""
    return "\n".join([DEVIATIONS, "", deviations(runs, runs_root), "", PROVENANCE, "", provenance(runs, runs_root)])


def _runs_list(names: list[str]) -> str:
    """'a/x, a/y, b' -> folders with more than 3 of the runs shortened to 'a/* (n)'."""
    folders: dict[str, list[str]] = {}
    for n in names:
        folders.setdefault(n.rsplit("/", 1)[0] if n.count("/") >= 2 else n, []).append(n)
    return ", ".join(f"{f}/* ({len(v)})" if len(v) > 3 else ", ".join(v) for f, v in folders.items())


def section_function(paper: str):
    """papers/<paper>/report.py: section, else papers/<paper>/reproduce.py: report, else None.
    Papers are found by name, so no module of common/ imports a paper's module."""
    for module, function in ((f"papers.{paper}.report", "section"), (f"papers.{paper}.reproduce", "report")):
        if importlib.util.find_spec(module) is not None:
            return getattr(importlib.import_module(module), function)
    return None


def paper_section(paper: str, budget: str, runs_root: Path, results_dir: Path) -> Section:
    """The paper's Section, or a 'not run' one when the paper has no section function yet."""
    section = section_function(paper)
    if section is None:
        return Section("not run", "not reproduced yet", "Not yet reproduced in this repository.")
    return section(budget, runs_root, results_dir / paper)


def rendered(paper: str, s: Section, runs_root: Path) -> dict:
    """A paper's part of the report as saved in <results>/<paper>/report_section.json."""
    text = "\n".join([f"## {TITLES[paper]}", "", f"**Status: {s.status}.** {s.headline}", "", s.body.strip(), "",
                      runs_md(s.runs, runs_root), ""])
    return {"status": s.status, "headline": s.headline, "markdown": text}


def saved_section(paper: str, out: Path) -> dict:
    """The section a previous build saved for this paper, or a 'not run' one."""
    saved = read_json(out / paper / SECTION_FILE)
    if saved is None:
        s = Section("not run", "not rebuilt yet", f"No saved section (`{paper}/{SECTION_FILE}`) and not "
                    f"rebuilt in this build: `python -m common.report --papers {paper}` rebuilds it from its runs.")
        return rendered(paper, s, out)
    return saved


def render(sections: dict[str, dict], budget: str, runs_root: Path) -> str:
    overview = markdown_table(["paper", "status", "ours vs paper"],
                              [[f"[{TITLES[p]}](#{_anchor(TITLES[p])})", s["status"], s["headline"]]
                               for p, s in sections.items()])
    out = ["# Reproduction report", "",
           f"Budget `{budget}`. Built by `python -m common.report` from the run directories under "
           f"`{shown(runs_root)}/`; every number below comes from those runs or from the papers' "
           f"published numbers (`papers/<paper>/published/`, each row with its source). "
           f"Partial results are marked as such. A paper not rebuilt in a build keeps the section "
           f"saved when it last was (`results/<paper>/{SECTION_FILE}`): its provenance table names "
           f"its runs.", "", overview, ""]
    for s in sections.values():
        out.append(s["markdown"])
    return "\n".join(out)


def _anchor(title: str) -> str:
    keep = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -")
    return keep.replace(" ", "-")


def readme_block(sections: dict[str, dict], budget: str) -> str:
    rows = [[TITLES[p], s["status"], s["headline"]] for p, s in sections.items()]
    return "\n".join([f"Generated from `results/REPORT.md` (budget `{budget}`) by `python -m common.report`; "
                      f"the full report has the tables, plots, budgets and provenance.", "",
                      markdown_table(["paper", "status", "ours vs paper"], rows)])


def budget_results(results_dir: Path, budget: str) -> Path:
    """results/ for the cpu budget, results/<budget>/ for the others."""
    return results_dir if budget == "cpu" else results_dir / budget


def has_runs(paper: str, runs_root: Path) -> bool:
    """True when runs_root/<paper>/ holds at least one run directory (a config.json)."""
    folder = Path(runs_root) / paper
    return folder.is_dir() and next(folder.rglob("config.json"), None) is not None


class _Snapshot:
    """The files a paper's report() may rewrite (its results folder and README), kept so that a
    refused rebuild leaves them byte-identical."""

    def __init__(self, paper: str, out: Path):
        self.folder, self.readme = out / paper, PAPERS_DIR / paper / "README.md"
        self.files = {p: p.read_bytes() for p in self.folder.rglob("*") if p.is_file()} \
            if self.folder.is_dir() else {}
        self.readme_bytes = self.readme.read_bytes() if self.readme.exists() else None

    def restore(self) -> None:
        for p in self.folder.rglob("*") if self.folder.is_dir() else []:
            if p.is_file() and p not in self.files:
                p.unlink()
        for p, data in self.files.items():
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        if self.readme_bytes is not None:
            self.readme.write_bytes(self.readme_bytes)


def build(budget: str = "cpu", runs_root: Path = ROOT / "runs", results_dir: Path = ROOT / "results",
          readme: Path | None | str = "auto", papers=None, force: bool = False) -> Path:
    """Rebuild results/REPORT.md (always all five papers) and the results block of `readme`
    ("auto": the repository's README.md, only when writing the repository's results/).

    A rebuild never destroys evidence by accident. `papers=None` (all papers, none named)
    rebuilds the papers that have run directories under runs_root and keeps the saved section,
    README block and evidence of the others. A paper named in `papers` is rebuilt from whatever
    runs there are, except that a rebuild that would replace a saved section by one of a lower
    status (complete -> partial -> not run) is undone, byte for byte, and reported, unless
    `force`: a UserError at the end names each paper refused and what it would have dropped."""
    if readme == "auto":
        readme = ROOT / "README.md" if results_dir.resolve() == (ROOT / "results").resolve() else None
    out = budget_results(results_dir, budget)
    out.mkdir(parents=True, exist_ok=True)
    named = papers is not None
    papers = PAPERS if papers is None else papers
    sections, refused = {}, []
    for paper in PAPERS:
        if paper not in papers or not (named or has_runs(paper, runs_root)):
            why = "not selected" if paper not in papers else f"no runs under {shown(Path(runs_root))}/{paper}/"
            print(f"[report] {paper}: the saved section ({paper}/{SECTION_FILE}; {why})", flush=True)
            sections[paper] = saved_section(paper, out)
            continue
        old = read_json(out / paper / SECTION_FILE)
        snapshot = _Snapshot(paper, out)
        print(f"[report] {paper}", flush=True)
        section = paper_section(paper, budget, runs_root, out)
        if budget != "cpu" and importlib.util.find_spec(f"papers.{paper}.experiments") is not None:
            # the paper's experiment list with the state of each run (common/launch.py)
            from common.launch import experiment_section
            text, runs = experiment_section(paper, budget, runs_root)
            section.body = add_to_results(section.body, text)
            listed = {Path(r).resolve() for r in section.runs}
            section.runs = [*section.runs, *(r for r in runs if r.resolve() not in listed)]
        new = rendered(paper, section, runs_root)
        if old is not None and not force and STATUSES.index(new["status"]) > STATUSES.index(old["status"]):
            snapshot.restore()
            refused.append(f"{paper} ({old['status']}: {old['headline']} -> {new['status']}: {new['headline']})")
            sections[paper] = old
            continue
        sections[paper] = new
        (out / paper).mkdir(parents=True, exist_ok=True)
        (out / paper / SECTION_FILE).write_text(json.dumps(sections[paper], indent=1, sort_keys=True) + "\n")
    path = out / "REPORT.md"
    path.write_text(render(sections, budget, runs_root))
    if readme is not None and budget == "cpu":
        write_readme_block(readme, "results", readme_block(sections, budget))
    print(f"[report] wrote {path}", flush=True)
    if refused:
        from common.errors import UserError
        raise UserError(f"kept the saved results of {'; '.join(refused)}, whose runs under "
                        f"{shown(Path(runs_root))}/ would give less; point --runs at the folder holding "
                        f"their runs, or pass --force to replace them")
    return path


def paper_cli(paper: str, doc: str | None, run, report=None, argv=None) -> None:
    """`python -m papers.<paper>.reproduce [--budget] [--runs] [--results] [--report-only]`:
    run() (unless --report-only), then the paper's section function (`report`, by default
    section_function(paper)); prints the status line and the section."""
    report = report or section_function(paper)
    ap = argparse.ArgumentParser(prog=f"python -m papers.{paper}.reproduce", description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", choices=BUDGETS, default="cpu")
    ap.add_argument("--runs", type=Path, default=Path(os.environ.get("REPRO_RUNS_DIR", ROOT / "runs")),
                    help=f"folder holding {paper}/ (default: runs/)")
    ap.add_argument("--results", type=Path, default=None, help=f"default: results/{paper} (cpu budget), "
                                                                 f"results/<budget>/{paper} (others)")
    ap.add_argument("--report-only", action="store_true", help="no training: tables and plots from the runs")
    args = ap.parse_args(argv)
    if not args.report_only:
        run(args.budget, args.runs)
    s = report(args.budget, args.runs, args.results or budget_results(ROOT / "results", args.budget) / paper)
    print(f"**Status: {s.status}.** {s.headline}\n\n{s.body}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m common.report", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", choices=BUDGETS, default="cpu")
    ap.add_argument("--runs", type=Path, default=Path(os.environ.get("REPRO_RUNS_DIR", ROOT / "runs")),
                    help="folder holding <paper>/ run directories (default: runs/)")
    ap.add_argument("--results", type=Path, default=ROOT / "results", help="output folder (default: results/)")
    ap.add_argument("--papers", nargs="+", default=None, choices=PAPERS,
                    help="papers whose sections are rebuilt from their runs (default: every paper that has "
                         f"runs); the others keep their saved <results>/<paper>/{SECTION_FILE}, README block "
                         "and evidence.json")
    ap.add_argument("--force", action="store_true",
                    help="replace saved results even by a section of lower status (complete -> partial "
                         "-> not run); without it such a rebuild is undone and reported")
    args = ap.parse_args(argv)
    if not args.runs.is_dir():
        ap.error(f"runs folder {args.runs} does not exist; pass --runs DIR holding <paper>/ run directories")
    build(args.budget, args.runs, args.results, papers=args.papers, force=args.force)
    return 0


if __name__ == "__main__":
    from common.errors import run_main
    run_main(main)
