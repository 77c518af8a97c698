"""Zoph & Le 2017: retrain the best architecture of a CIFAR-10 search and report its test error.

    python -m papers.nas.evaluate --run-dir runs/nas/cifar10-controller-seed0
    python -m papers.nas.evaluate --run-dir runs/nas/ptb-random-seed0 --reevaluate   # reevaluate.py
    python -m papers.nas.evaluate --weights results/nas/weights/cifar10-controller-seed0-best-child.weights.h5

Protocol (Sec. 4.1, reduced): the child with the highest validation accuracy in the search's
history is trained again from scratch for `final_epochs` on `final_train_size` images of the
45,000-image training split (the paper then also grid-searches the learning rate, weight decay,
batch-norm epsilon and the epoch of the learning-rate decay; not reproduced), and its error on
the test images is measured once at the end: the full test set when `test_batch` is present,
else the first 1,000 test images (labelled so). Writes <run-dir>/final/{curve.csv, final.json,
child.weights.h5}; re-running skips a finished evaluation. The search's `child_max_seconds` does
not apply here. The report keeps the retrained child (results/nas/weights/, with a record of its
search config, architecture and input normalisation); `--weights` measures its test error again.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
from pathlib import Path

import numpy as np

from common import weights as kept_weights
from common.config import apply_overrides
from common.errors import UserError, run_main
from common.report import shown
from common.run import RunDirError
from papers.nas.config import NASConfig

#: the retrained best child, beside final.json
CHILD_WEIGHTS = "child.weights.h5"


def best_child(history: list[dict]) -> dict:
    ok = [c for c in history if c["status"] == "ok"]
    if not ok:
        raise RunDirError("the search has no successful child to retrain; run a longer search "
                          "(python -m papers.nas.train) or check children.csv for the children's errors")
    return max(ok, key=lambda c: (c["val_acc"], -c["index"]))


def evaluate(run_dir: Path, seed: int = 0) -> dict:
    out_dir = run_dir / "final"
    if (out_dir / "final.json").exists():
        return json.loads((out_dir / "final.json").read_text())
    saved = json.loads((run_dir / "config.json").read_text())
    cfg = apply_overrides(NASConfig(), saved["config"])
    if cfg.task != "cifar10":
        raise RunDirError(f"{run_dir} is a {cfg.task} search and evaluate.py retrains CIFAR-10 children; "
                          f"pass --reevaluate to measure its architectures again")
    history = json.loads((run_dir / "history.json").read_text())
    child = best_child(history)
    from papers.nas.child import train_cifar_child
    from papers.nas.data import cifar10_split, cifar10_test

    data = cifar10_split(dataclasses.replace(cfg, train_size=cfg.final_train_size))
    x_test, y_test, test_label = cifar10_test(cfg.image_size, data["mean"], data["std"])
    # the search's cap on one child's seconds is for children (a stuck one becomes a failure); the
    # retraining runs final_epochs on final_train_size images and is never cut short
    final_cfg = dataclasses.replace(cfg, child_max_seconds=0.0)
    result = train_cifar_child(final_cfg, child["actions"], data, seed, epochs=cfg.final_epochs, keep_model=True)
    test_acc = test_accuracy(result["model"], x_test, y_test)
    out_dir.mkdir(exist_ok=True)
    result["model"].save_weights(str(out_dir / CHILD_WEIGHTS))
    with open(out_dir / "curve.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["epoch", "val_acc"])
        w.writerows(enumerate(result["history"]["val"], start=1))
    final = {"arch": child["arch"], "search_val_acc": child["val_acc"], "search_index": child["index"],
             "final_epochs": cfg.final_epochs, "final_train_size": cfg.final_train_size,
             "final_val_acc": result["history"]["val"][-1], "params": result["params"],
             "test_error_pct": round(100.0 * (1.0 - test_acc), 2), "test_images": len(y_test),
             "test_set": test_label, "actions": child["actions"],
             "input_mean": data["mean"].tolist(), "input_std": data["std"].tolist()}
    (out_dir / "final.json").write_text(json.dumps(final, indent=2) + "\n")
    return final


def test_accuracy(model, x_test: np.ndarray, y_test: np.ndarray) -> float:
    predict = model.predict_on_batch
    return float(np.mean(np.concatenate([np.argmax(predict(x_test[k:k + 500]), -1)
                                         for k in range(0, len(x_test), 500)]) == y_test))


def weights_record(run_dir: Path) -> dict:
    """What rebuilds a run's retrained child: the search config, its architecture (actions) and the
    normalisation of its training split, with the test error it was measured at."""
    final = json.loads((run_dir / "final" / "final.json").read_text())
    keys = ("arch", "actions", "input_mean", "input_std", "final_epochs", "final_train_size",
            "test_error_pct", "test_images", "test_set")
    config = json.loads((run_dir / "config.json").read_text())["config"]
    return {"paper": "nas", "run": shown(run_dir), "config": config, **{k: final[k] for k in keys}}


def load_child(path: Path):
    """(record, config, child network with the kept weights) of a kept child."""
    from papers.nas.networks import build_cnn
    from papers.nas.search_space import decode_cnn
    record = kept_weights.read_record(path, "nas")
    cfg = apply_overrides(NASConfig(), record["config"])
    model = build_cnn(decode_cnn(cfg, record["actions"]), cfg.image_size)
    try:
        model.load_weights(str(path))
    except ValueError as e:
        raise UserError(f"{path} does not fit the child of its record ({e}); keep the pair the report wrote "
                        f"together") from None
    return record, cfg, model


def score_weights(path: Path) -> dict:
    """The test error of a kept child on the test images of this data folder."""
    from papers.nas.data import cifar10_test
    record, cfg, model = load_child(path)
    mean, std = (np.asarray(record[k], np.float32) for k in ("input_mean", "input_std"))
    x_test, y_test, label = cifar10_test(cfg.image_size, mean, std)
    return {"weights": shown(path), "arch": record["arch"],
            "test_error_pct": round(100.0 * (1.0 - test_accuracy(model, x_test, y_test)), 2),
            "test_images": len(y_test), "test_set": label, "recorded_test_error_pct": record["test_error_pct"]}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="papers.nas.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    kept_weights.add_flags(ap, "nas", writes="rescore.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reevaluate", action="store_true",
                    help="instead: retrain the search's top-5 distinct architectures from 3 fresh seeds "
                         "(CIFAR-10 or PTB; papers/nas/reevaluate.py), writing <run-dir>/reeval.json")
    args = ap.parse_args(argv)
    kept_weights.check_flags(args)
    if args.weights is not None:
        if args.reevaluate:
            raise UserError("--reevaluate goes with --run-dir (it retrains a search's architectures)")
        kept_weights.print_rescore(score_weights(args.weights), args.out)
        return
    if not (args.run_dir / "history.json").exists():
        raise RunDirError(f"{args.run_dir} holds no search history (history.json); run papers.nas.train first")
    if args.reevaluate:
        from papers.nas.reevaluate import reevaluate
        print(json.dumps(reevaluate(args.run_dir), indent=2))
    else:
        print(json.dumps(evaluate(args.run_dir, args.seed), indent=2))


if __name__ == "__main__":
    run_main(main)
