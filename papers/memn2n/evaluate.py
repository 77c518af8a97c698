"""Evaluation of End-To-End Memory Networks (Sukhbaatar et al. 2015) on bAbI.

Protocol (Sec. 4.2 and the official README): train R = 10 runs, keep the one with the lowest
TRAINING error (ties broken by validation error, then run index), report its test error;
a task is passed when the error is <= 5%. Errors here are over all 1000 test questions
(the official test.m drops the last 8 of 1000 to fill whole batches of 32).

    python -m papers.memn2n.evaluate --run-dir runs/memn2n/task1     # re-scores a finished run
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common.config import apply_overrides
from common.errors import run_main
from common.run import RunDirError, latest_checkpoint
from common.seeding import seed_everything
from papers.memn2n import data
from papers.memn2n.config import BabiConfig

CHUNK = 100  # questions per evaluation call


def wrong_answers(model, enc, memory_size: int, xla: bool, linear: bool = False) -> np.ndarray:
    """[R, N] bool: which questions each of the R runs answers wrongly (no noise). `linear`
    scores the model without the attention softmax, as it is during Linear Start (official
    train.m validates the model it trains)."""
    import tensorflow as tf

    fn = _forward_fn(model, xla, linear)
    R, out = model.R, []
    times = data.time_indices(enc.lengths, memory_size, 0.0, None)
    for start in range(0, len(enc), CHUNK):
        idx = np.arange(start, start + CHUNK) % len(enc)        # pad the last chunk by wrapping
        q = np.broadcast_to(enc.queries[idx], (R,) + enc.queries[idx].shape)
        s = np.broadcast_to(enc.stories[idx], (R,) + enc.stories[idx].shape)
        t = np.broadcast_to(times[idx], (R,) + times[idx].shape)
        a = np.broadcast_to(enc.answers[idx], (R, CHUNK))
        logits = fn(tf.constant(q), tf.constant(s), tf.constant(t))
        wrong = tf.not_equal(tf.argmax(logits, -1, output_type=tf.int32), a).numpy()
        out.append(wrong[:, : min(CHUNK, len(enc) - start)])
    return np.concatenate(out, axis=1)


_FORWARD = {}


def _forward_fn(model, xla: bool, linear: bool):
    import tensorflow as tf
    key = (id(model), xla, linear)
    if key not in _FORWARD:
        _FORWARD[key] = tf.function(lambda q, s, t: model(q, s, t, linear=linear), jit_compile=xla)
    return _FORWARD[key]


def select_best(train_err, val_err) -> int:
    """The paper's rule: the run with the lowest training error (ties: validation error, index)."""
    return int(np.lexsort((np.arange(len(train_err)), np.asarray(val_err), np.asarray(train_err)))[0])


def scores(model, td: data.TaskData, xla: bool) -> dict:
    """Error (percent) of every repeat on the training, validation and test questions, the test
    error per task, and the repeat the paper's rule selects."""
    wrong = {name: wrong_answers(model, enc, td.memory_size, xla)
             for name, enc in (("train", td.train), ("val", td.val), ("test", td.test))}
    train_err, val_err = 100 * wrong["train"].mean(1), 100 * wrong["val"].mean(1)
    return {"train": train_err, "val": val_err, "test": 100 * wrong["test"].mean(1),
            "per_task": {t: 100 * wrong["test"][:, td.test.tasks == t].mean(1) for t in td.tasks},
            "selected": select_best(train_err, val_err)}


def rescore(run_dir: Path) -> dict:
    """Rebuild a finished run from its config.json and newest checkpoint and score it again."""
    import tensorflow as tf

    from papers.memn2n.networks import build_model, checkpoint_items
    path = Path(run_dir) / "config.json"
    if not path.exists():
        raise RunDirError(f"{path} not found; pass the --run-dir of a python -m papers.memn2n.train run")
    newest = latest_checkpoint(run_dir)
    if newest is None:
        raise RunDirError(f"{run_dir} has no complete checkpoint; train first (python -m papers.memn2n.train)")
    step, prefix = newest
    record = json.loads(path.read_text())
    cfg = apply_overrides(BabiConfig(), record["config"])
    td = data.prepare(cfg, seed_everything(record["seed"]).generator(1))
    model = build_model(cfg, td)
    tf.train.Checkpoint(**checkpoint_items(model)).restore(str(prefix)).assert_existing_objects_matched()
    sc = scores(model, td, cfg.xla)
    best = sc["selected"]
    return {"run_dir": str(run_dir), "epoch": step, "selected_repeat": best,
            "train_error_pct": sc["train"].round(3).tolist(), "val_error_pct": sc["val"].round(3).tolist(),
            "test_error_pct": round(float(sc["test"][best]), 3),
            "test_error_pct_per_task": {str(t): round(float(v[best]), 3) for t, v in sc["per_task"].items()}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m papers.memn2n.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run-dir", type=Path, required=True, help="a finished bAbI run directory")
    ns = ap.parse_args(argv)
    print(json.dumps(rescore(ns.run_dir), indent=2))
    return 0


if __name__ == "__main__":
    run_main(main)
