"""Zoph & Le 2017, control experiment: the ground-truth table of a reduced CNN search space.

    python -m papers.nas.table [--profile table] [--seeds 2] [--max-minutes M] [--out results/nas/table_cnn2.csv]

The paper's control experiment asks whether the controller finds better architectures than random
search at the same budget. With every child trained once, one training's noise is as large as the
gaps between architectures, so this file measures a whole (reduced) space once and for all: every
architecture of the `table` profile's space -- 2 conv layers, filter heights and widths {1, 3, 5},
filter counts {8, 16, 32}, layer 1's anchor point (does it read layer 0 or the image?):
27 x 27 x 2 = 1,458 architectures, the paper's decisions with reduced depth and choices -- is
trained from `--seeds` seeds with the same child budget, through the search's own Ray pool
(train.ChildPool: persistent actors, `workers` children in flight). Each child's validation
accuracy (the search's score) and its test accuracy on the available test images are stored.
The simulated searches (simulate.py) then query the table instead of training.

Output: `<out>` holds one CSV row per (architecture, seed): arch (readable string), seed, status,
val_acc, test_acc, params, seconds. Architectures are trained in a fixed shuffled order, the seeds
of one architecture together, so a partial table is a uniform sample of the space. `<out>.json`
(same name, .json) holds the config, the seeds, the space size and each session's wall time and
load average. Re-running the same command continues the table: rows already there are kept (a
row cut by a crash is dropped); `--max-minutes` stops submitting children after that long; Ctrl-C
or SIGTERM stops at once (children in flight are trained again next time).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import os
import signal
import time
from pathlib import Path

import numpy as np

from common.config import apply_overrides, build
from common.errors import UserError, run_main
from common.progress import Progress
from papers.nas.config import PROFILES, NASConfig
from papers.nas.search_space import all_cnn_architectures, arch_string

SPACE = "cnn2"                 # the `table` profile's space: 2 conv layers (see the module doc)
DEFAULT_OUT = Path("results/nas") / f"table_{SPACE}.csv"
SEEDS = 2                      # ours: the fewest that measure seed noise (reported next to the spread);
                               # a search then scores one seed drawn at random, as a real search sees one training
ORDER_SEED = 2017              # ours: fixes the shuffled order in which the space is trained
COLUMNS = ("arch", "seed", "status", "val_acc", "test_acc", "params", "seconds")
META_EVERY = 20                # children between two writes of the .json (its session wall time)


class TableError(UserError):
    """A table that cannot be used or continued, or an architecture outside its space."""


def meta_path(out: Path) -> Path:
    return Path(out).with_suffix(".json")


def read_rows(out: Path) -> list[dict]:
    """The table's complete rows; a last line cut by a crash is removed from the file."""
    out = Path(out)
    if not out.exists():
        return []
    text = out.read_text()
    if text and not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
        out.write_text(text)
    rows = list(csv.DictReader(text.splitlines()))
    if rows and tuple(rows[0]) != COLUMNS:
        raise TableError(f"{out} is not a NAS table (columns {', '.join(rows[0])}); pass another --out")
    return rows


# ---------------------------------------------------------------------------- the lookup

class Table:
    """A complete table: `val[i, s]` and `test[i, s]` of architecture i (the order of
    `archs`) and seed s; a failed child counts as validation accuracy 0 (reward 0, as in the
    search) and its test accuracy is left out of the architecture's mean."""

    def __init__(self, cfg: NASConfig, rows: list[dict], seeds: int, source: str = "table",
                 meta: dict | None = None):
        self.cfg, self.seeds, self.source, self.meta = cfg, seeds, source, meta
        self.archs = [arch_string(cfg, a) for a in all_cnn_architectures(cfg, cfg.start_layers)]
        self.index = {a: i for i, a in enumerate(self.archs)}
        self.val = np.full((len(self.archs), seeds), np.nan)
        self.test = np.full((len(self.archs), seeds), np.nan)
        self.params = np.zeros(len(self.archs), np.int64)
        for r in rows:
            i, s = self.index.get(r["arch"]), int(r["seed"])
            if i is None or s >= seeds:
                raise TableError(f"{source}: row ({r['arch']}, seed {s}) is outside the table's space "
                                 f"or seeds; rebuild the table (python -m papers.nas.table)")
            ok = r["status"] == "ok"
            self.val[i, s] = float(r["val_acc"]) if ok else 0.0
            self.test[i, s] = float(r["test_acc"]) if ok else np.nan
            self.params[i] = max(self.params[i], int(r["params"]))
        missing = int(np.isnan(self.val).sum())
        if missing:
            raise TableError(f"{source} lacks {missing} of its {self.val.size} (architecture, seed) children; "
                             f"finish it: python -m papers.nas.table --out {source}")
        self.test_mean = np.array([np.mean(t[np.isfinite(t)]) if np.isfinite(t).any() else np.nan
                                   for t in self.test])

    @classmethod
    def load(cls, out: Path) -> "Table":
        meta = read_meta(out)
        if meta is None:
            raise TableError(f"no table at {out} (or its {meta_path(out).name} is missing); "
                             f"build one: python -m papers.nas.table --out {out}")
        return cls(apply_overrides(NASConfig(), meta["config"]), read_rows(out), meta["seeds"], str(out), meta)

    def lookup(self, arch: str) -> int:
        """The row index of an architecture string; a TableError outside the space."""
        if arch not in self.index:
            raise TableError(f"architecture '{arch}' is not in the table's space ({len(self.archs)} "
                             f"architectures of {self.cfg.start_layers} layers); sample from its decisions")
        return self.index[arch]

    def lookup_actions(self, actions) -> int:
        """The row index of a controller action list; a TableError outside the space."""
        try:
            arch = arch_string(self.cfg, actions)
        except (IndexError, ValueError, TypeError) as e:
            raise TableError(f"actions {list(actions)} are not an architecture of the table's space "
                             f"({type(e).__name__}: {e}); sample from its decisions") from None
        return self.lookup(arch)

    def stats(self) -> dict:
        """Seed noise (pooled within-architecture std of the validation accuracy) and the spread
        between architectures (std of the seed-mean validation accuracy), for the report."""
        noise = float(np.sqrt(np.mean(np.var(self.val, axis=1, ddof=1))))
        spread = float(np.std(self.val.mean(axis=1), ddof=1))
        return {"architectures": len(self.archs), "seeds": self.seeds, "seed_noise_std": noise,
                "architecture_spread_std": spread,
                "test_seed_noise_std": float(np.sqrt(np.nanmean(np.nanvar(self.test, axis=1, ddof=1)))),
                "test_spread_std": float(np.nanstd(self.test_mean, ddof=1)),
                "best_test_acc": float(np.nanmax(self.test_mean))}


# ---------------------------------------------------------------------------- the builder

def read_meta(out: Path) -> dict | None:
    path = meta_path(out)
    return json.loads(path.read_text()) if path.exists() else None


def _write_meta(out: Path, meta: dict) -> None:
    tmp = meta_path(out).with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(meta_path(out))


def build_table(cfg: NASConfig, out: Path, seeds: int = SEEDS, max_minutes: float = 0.0,
                profile: str = "table", sets: dict | None = None) -> dict:
    """Train every (architecture, seed) child the table at `out` lacks, in the fixed order, until
    done or `max_minutes` (0 = no limit) have passed; returns the .json record."""
    out = Path(out)
    config = json.loads(json.dumps(dataclasses.asdict(cfg)))
    meta = read_meta(out)
    if meta is not None and (meta["config"] != config or meta["seeds"] != seeds):
        raise TableError(f"{out} was built with other settings (profile {meta['profile']!r}, sets "
                         f"{meta['sets']}, {meta['seeds']} seeds); re-run with those, or pass another --out")
    space = all_cnn_architectures(cfg, cfg.start_layers)
    order = np.random.default_rng(ORDER_SEED).permutation(len(space))
    meta = meta or {"space": SPACE, "profile": profile, "sets": sets or {}, "seeds": seeds,
                    "architectures": len(space), "children": len(space) * seeds, "config": config,
                    "sessions": []}
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {(r["arch"], int(r["seed"])) for r in read_rows(out)}
    todo = [(space[i], s) for i in order for s in range(seeds) if (arch_string(cfg, space[i]), s) not in done]
    meta["complete"] = not todo
    if not todo:
        _write_meta(out, meta)
        print(f"[nas table] {out}: complete ({len(done)} children)", flush=True)
        return meta

    from common.run import versions
    from papers.nas.train import ChildPool, load_task_data
    data = load_task_data(cfg, with_test=True)
    meta["test_set"] = data["test_set"]
    pool = ChildPool(cfg, data, cfg.workers)
    workers = pool.describe()
    print(f"[nas table] {len(todo)} of {meta['children']} children to train; workers in force: "
          + "; ".join(f"pid {w['pid']} threads {w['threads']} resources {w['resources']}" for w in workers), flush=True)
    session = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "wall_s": 0.0, "children": 0, "failed": 0,
               "workers": len(workers), "threads": [w["threads"] for w in workers],
               "load_avg_start": os.getloadavg(), "commit": versions().get("git_commit")}
    meta["sessions"].append(session)
    progress = Progress(meta["children"], "nas table", "children", start=len(done))
    stop = time.time() + 60.0 * max_minutes if max_minutes else math.inf
    t0 = time.time()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    new_file = not out.exists() or out.stat().st_size == 0
    try:
        with open(out, "a", newline="") as f:
            writer = csv.writer(f)
            if new_file:
                writer.writerow(COLUMNS)
            queue = list(reversed(todo))
            while True:
                while queue and pool.free > 0 and time.time() < stop:
                    actions, seed = queue.pop()
                    pool.submit(seed, actions, seed)
                if not pool.busy:
                    break
                seed, actions, r = pool.next_result()
                ok = r["status"] == "ok"
                writer.writerow([arch_string(cfg, actions), seed, r["status"],
                                 round(r["val_acc"], 4) if ok else "", round(r["test_acc"], 4) if ok else "",
                                 r.get("params", 0), r["seconds"]])
                f.flush()
                session["children"] += 1
                session["failed"] += not ok
                progress.update(1, val_acc=r["val_acc"] if ok else float("nan"))
                if session["children"] % META_EVERY == 0:
                    session["wall_s"] = round(time.time() - t0, 1)
                    _write_meta(out, meta)
    finally:
        signal.signal(signal.SIGTERM, previous)
        pool.close()
        session.update(wall_s=round(time.time() - t0, 1), load_avg_end=os.getloadavg())
        meta["complete"] = len(done) + session["children"] == meta["children"]
        _write_meta(out, meta)
        progress.close()
    return meta


class _Stopped(KeyboardInterrupt):
    """SIGTERM: stop like Ctrl-C (the rows written so far are the table)."""


def _interrupt(signum, frame):
    raise _Stopped()


def wall_hours(meta: dict) -> float:
    """The table's wall time over all its sessions, in hours."""
    return sum(s["wall_s"] for s in meta["sessions"]) / 3600.0


def main(argv=None) -> dict | int:
    ap = argparse.ArgumentParser(prog="papers.nas.table", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="table", choices=list(PROFILES), help="config profile (default table)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config field")
    ap.add_argument("--seeds", type=int, default=SEEDS, help="seeds per architecture (default 2)")
    ap.add_argument("--max-minutes", type=float, default=0.0,
                    help="stop submitting children after this many minutes (0 = until complete)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"table CSV (default {DEFAULT_OUT})")
    args = ap.parse_args(argv)
    if args.seeds < 1:
        raise TableError(f"--seeds {args.seeds}: every architecture needs at least one seed; pass --seeds 2")
    if args.max_minutes < 0:
        raise TableError(f"--max-minutes {args.max_minutes} is negative; pass a number of minutes (0 = no limit)")
    if any("=" not in item for item in args.set):
        raise TableError(f"--set expects KEY=VALUE, got {[i for i in args.set if '=' not in i][0]!r}")
    sets = dict(item.split("=", 1) for item in args.set)
    cfg, _ = build(NASConfig, PROFILES, args.profile, sets)
    if cfg.task != "cifar10" or cfg.space != "v1" or cfg.workers < 1:
        raise TableError(f"the table is of the CIFAR-10 v1 space trained through Ray (task {cfg.task}, space "
                         f"{cfg.space}, workers {cfg.workers}); use --profile table")
    try:
        meta = build_table(cfg, args.out, args.seeds, args.max_minutes, args.profile, sets)
    except KeyboardInterrupt as stopped:
        print("[nas table] stopped: the rows written so far are kept; re-run the same command to continue",
              flush=True)
        return 143 if isinstance(stopped, _Stopped) else 130
    rows = read_rows(args.out)
    print(f"[nas table] {args.out}: {len(rows)} of {meta['children']} children, "
          f"{wall_hours(meta):.2f} h of wall time so far", flush=True)
    return meta


if __name__ == "__main__":
    run_main(main)
