"""Zoph & Le 2017, control experiment: how good are the architectures a search found?

    python -m papers.nas.evaluate --run-dir runs/nas/cifar10-controller-seed0 --reevaluate

A search's own top-5 (the mean of its 5 best rewards' accuracies) is a maximum over noisy
measurements: every child is trained once, from one seed, and scored once. With a few hundred
cheap children this noise is as large as the differences between architectures, so a search
that samples many distinct architectures (random search) wins it by luck. This script measures
the found architectures again: the `top` best distinct architectures of the search (by their
search score) are each retrained from `len(SEEDS)` fresh seeds with the search's child
settings, and each gets the mean of its scores. CIFAR-10 children are scored on `val_size`
validation images (default the paper's 5,000; the reward used fewer at the cpu budget), PTB
children on the search's validation tokens. Controller and random search get exactly the same
treatment. Writes <run-dir>/reeval.json; re-running skips a finished one.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from common.config import apply_overrides
from common.run import RunDirError
from papers.nas.config import NASConfig

SEEDS = (1001, 1002, 1003)       # never used by a search (its children use seeds from its own RNG)
TOP = 5
METRIC = {"cifar10": ("val_acc", True), "ptb": ("val_ppl", False)}   # (score, larger is better)


def top_distinct(history: list[dict], k: int, metric: str, largest: bool) -> list[dict]:
    """The k best successful children of a search, one per distinct architecture."""
    ok = [c for c in history if c["status"] == "ok" and np.isfinite(c[metric])]
    ranked = sorted(ok, key=lambda c: (-c[metric] if largest else c[metric], c["index"]))
    best, seen = [], set()
    for c in ranked:
        if c["arch"] not in seen:
            seen.add(c["arch"])
            best.append(c)
    return best[:k]


def reevaluate(run_dir: Path, val_size: int | None = NASConfig().val_size, top: int = TOP,
               seeds=SEEDS) -> dict:
    """Retrain the search's top distinct architectures from fresh seeds; returns (and writes)
    reeval.json. val_size=None keeps the search's own CIFAR-10 validation size."""
    out = run_dir / "reeval.json"
    if out.exists():
        return json.loads(out.read_text())
    cfg = apply_overrides(NASConfig(), json.loads((run_dir / "config.json").read_text())["config"])
    if cfg.task == "cifar10" and val_size is not None:
        cfg = dataclasses.replace(cfg, val_size=val_size)
    metric, largest = METRIC[cfg.task]
    best = top_distinct(json.loads((run_dir / "history.json").read_text()), top, metric, largest)
    if not best:
        raise RunDirError(f"{run_dir}: the search has no successful child to re-evaluate; run a longer "
                          f"search (python -m papers.nas.train) or check children.csv for the children's errors")
    from papers.nas.child import evaluate_child
    from papers.nas.train import load_task_data
    data = load_task_data(cfg)
    children = []
    for c in best:
        results = [evaluate_child(cfg, c["actions"], data, seed) for seed in seeds]
        scores = [r[metric] for r in results if r["status"] == "ok"]
        children.append({"arch": c["arch"], "search_index": c["index"], f"search_{metric}": c[metric],
                         f"reeval_{metric}": [round(float(s), 4) for s in scores],
                         "failed": len(results) - len(scores),
                         "mean": round(float(np.mean(scores)), 4) if scores else None})
    means = [c["mean"] for c in children if c["mean"] is not None]
    record = {"task": cfg.task, "metric": metric, "top": top, "seeds": list(seeds),
              "val_size": cfg.val_size if cfg.task == "cifar10" else cfg.ptb_val_tokens,
              "search_top_mean": round(float(np.mean([c[metric] for c in best])), 4),
              "reeval_top_mean": round(float(np.mean(means)), 4) if means else None,
              "children": children}
    out.write_text(json.dumps(record, indent=2) + "\n")
    return record
