"""Evaluation of End-To-End Memory Networks (Sukhbaatar et al. 2015) on bAbI.

Protocol (Sec. 4.2 and the official README): train R = 10 runs, keep the one with the lowest
TRAINING error (ties broken by validation error, then run index), report its test error;
a task is passed when the error is <= 5%. Errors here are over all 1000 test questions
(the official test.m drops the last 8 of 1000 to fill whole batches of 32).

    python -m papers.memn2n.evaluate --run-dir runs/memn2n/1k_pe_ls_rn/task1   # re-scores a run
    python -m papers.memn2n.evaluate --weights results/memn2n/weights/1k_pe_ls_rn-task*.weights.h5

The second re-scores the networks the report keeps (every repeat of each task, with the run's
config and seed in the .json beside each file, so the data split is the run's): the same
selection by training error, the test error of each task, and over several files the mean
error and the failed tasks of the table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common import weights as kept_weights
from common.config import apply_overrides
from common.errors import run_main
from common.report import shown
from common.run import RunDirError, latest_checkpoint
from common.seeding import seed_everything
from papers.memn2n import data
from papers.memn2n.config import BabiConfig
from papers.memn2n.tables import PASS_PCT

PAPER = "memn2n"

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


def _newest(run_dir: Path) -> tuple[int, Path, dict]:
    """(epoch, checkpoint prefix, config.json record) of the newest complete checkpoint of a bAbI run."""
    path = Path(run_dir) / "config.json"
    if not path.exists():
        raise RunDirError(f"{path} not found; pass the --run-dir of a python -m papers.memn2n.train run")
    newest = latest_checkpoint(run_dir)
    if newest is None:
        raise RunDirError(f"{run_dir} has no complete checkpoint; train first (python -m papers.memn2n.train)")
    return newest[0], newest[1], json.loads(path.read_text())


def _rebuild(record: dict):
    """(config, data, untrained model) of a run's record: the run's seed gives the same vocabulary
    and the same training/validation split."""
    from papers.memn2n.networks import build_model
    cfg = apply_overrides(BabiConfig(), record["config"])
    td = data.prepare(cfg, seed_everything(record["seed"]).generator(1))
    return cfg, td, build_model(cfg, td)


def _scored(model, cfg, td) -> dict:
    """The paper's protocol on a restored model: select the repeat, report its test error."""
    sc = scores(model, td, cfg.xla)
    best = sc["selected"]
    return {"selected_repeat": best, "train_error_pct": sc["train"].round(3).tolist(),
            "val_error_pct": sc["val"].round(3).tolist(), "test_error_pct": round(float(sc["test"][best]), 3),
            "test_error_pct_per_task": {str(t): round(float(v[best]), 3) for t, v in sc["per_task"].items()}}


def rescore(run_dir: Path) -> dict:
    """Rebuild a run from its config.json and newest checkpoint and score it again."""
    import tensorflow as tf

    from papers.memn2n.networks import checkpoint_items
    epoch, prefix, record = _newest(run_dir)
    cfg, td, model = _rebuild(record)
    tf.train.Checkpoint(**checkpoint_items(model)).restore(str(prefix)).assert_existing_objects_matched()
    return {"run_dir": str(run_dir), "epoch": epoch, **_scored(model, cfg, td)}


def checkpoint_arrays(prefix: Path) -> dict[str, np.ndarray]:
    """The network's variables (E0..EK, or B A C W H) of a training checkpoint by name, read
    without building the network (no data needed)."""
    import tensorflow as tf
    reader, suffix = tf.train.load_checkpoint(str(prefix)), "/.ATTRIBUTES/VARIABLE_VALUE"
    return {key.removesuffix(suffix): reader.get_tensor(key) for key in reader.get_variable_to_shape_map()
            if key.endswith(suffix) and key != "save_counter" + suffix}


def save_weights(run_dir: Path, dst: Path) -> dict:
    """Write the network of a run's newest checkpoint (all its repeats) to `dst` (.weights.h5) and
    return the record `--weights` rebuilds it from: the run's config and seed, and the epoch."""
    epoch, prefix, record = _newest(run_dir)
    kept_weights.write_arrays(dst, checkpoint_arrays(prefix))
    return {"paper": PAPER, "profile": record.get("profile"), "seed": record["seed"], "config": record["config"],
            "epoch": epoch}


def rescore_weights(path: Path) -> dict:
    """Score kept weights with the paper's protocol on the data split of the run they come from."""
    record = kept_weights.read_record(path, PAPER)
    cfg, td, model = _rebuild(record)
    kept_weights.assign_arrays(path, {w.name: w for w in model.weights}, "network")
    return {"weights": shown(path), "epoch": record.get("epoch"), **_scored(model, cfg, td)}


def table_scores(results: list[dict]) -> dict:
    """Mean test error and failed tasks (> 5%) over the tasks of several kept networks."""
    errors = [e for r in results for e in r["test_error_pct_per_task"].values()]
    return {"tasks": len(errors), "mean_test_error_pct": round(float(np.mean(errors)), 3),
            "failed_tasks": int(sum(e > PASS_PCT for e in errors))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m papers.memn2n.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    kept_weights.add_flags(ap, PAPER, writes="rescore.json", many=True)
    args = ap.parse_args(argv)
    kept_weights.check_flags(args)
    if args.run_dir is not None:
        print(json.dumps(rescore(args.run_dir), indent=2))
    else:
        results = [rescore_weights(w) for w in args.weights]
        kept_weights.print_rescore(results[0] if len(results) == 1 else {**table_scores(results), "networks": results},
                                   args.out)
    return 0


if __name__ == "__main__":
    run_main(main)
