"""Zoph & Le 2017: the architecture search (controller + REINFORCE, or the random-search control).

    python -m papers.nas.train --profile cpu --set task=cifar10 --set search=controller
    python -m papers.nas.train --profile cpu --set task=ptb --set search=random

Children are trained as Ray tasks (Sec. 3.2's distributed training, scaled to one machine):
`workers` of them are in flight at once; the controller plays the parameter server, taking each
child's result as it arrives and updating after every m = `architectures_per_update` completed
children. Children are sampled from the controller as it is when a worker frees up, so a batch
may mix children sampled before the previous update (as with the paper's asynchronous replicas);
their log-probabilities are recomputed under the current controller at update time.
`workers=0` trains children in-process, one at a time (tests). A Ray cluster is used instead of
a local Ray when the RAY_ADDRESS environment variable names one.

Run dir: `children.csv` (every evaluated architecture as a readable string plus its reward),
`metrics.csv` (one row per m children: moving-average reward, top-5 validation accuracy / best
perplexity so far), `history.json`, checkpoints (controller, Adam, baseline, history). Re-running
the command resumes; children in flight at a checkpoint are sampled again.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from common.config import parse_args
from common.data import DataError
from common.progress import Progress
from common.run import Run
from common.seeding import seed_everything
from papers.nas import losses
from papers.nas.config import PROFILES, NASConfig, controller_lr
from papers.nas.search_space import all_steps, arch_string, random_actions, task_steps

REPO = Path(__file__).resolve().parents[2]


def load_task_data(cfg: NASConfig) -> dict:
    from papers.nas import data
    if cfg.task == "cifar10":
        return data.cifar10_split(cfg)
    train, valid, vocab = data.ptb_ids(cfg.ptb_train_tokens, cfg.ptb_val_tokens)
    return {"train": data.batchify(train, cfg.ptb_batch), "valid": data.batchify(valid, cfg.ptb_batch),
            "vocab": vocab}


def init_ray(workers: int) -> None:
    """Start Ray for `workers` children at once (a cluster when RAY_ADDRESS names one); no-op if
    Ray is already up. reproduce.py starts it once for the four smoke searches."""
    import ray
    if ray.is_initialized():
        return
    env = {"PYTHONPATH": str(REPO), "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2",
           "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES", "")}
    # Ray renices its workers to 15 by default; the children ARE the heavy work here
    os.environ.setdefault("RAY_worker_niceness", "0")
    if os.environ.get("RAY_ADDRESS"):
        ray.init(runtime_env={"env_vars": env}, log_to_driver=False)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})


class ChildPool:
    """Children trained as Ray tasks (or in-process when workers == 0); results in completion order."""

    def __init__(self, cfg: NASConfig, data: dict, workers: int):
        from papers.nas.child import evaluate_child
        self.cfg, self.workers = cfg, workers
        self._local: list[tuple[int, Any, int]] = []
        if workers == 0:
            self._data, self._evaluate = data, evaluate_child
            return
        import ray
        self._owns_ray = not ray.is_initialized()    # a Ray started by the caller outlives this pool
        init_ray(workers)
        self._ray = ray
        self._remote = ray.remote(num_cpus=1, max_retries=0)(evaluate_child)
        self._data = ray.put(data)
        self._threads = 0 if os.environ.get("RAY_ADDRESS") else max(1, (os.cpu_count() or 1) // workers)
        self._inflight: dict[Any, tuple[int, Any]] = {}

    @property
    def busy(self) -> int:
        return len(self._local) if self.workers == 0 else len(self._inflight)

    @property
    def free(self) -> int:
        return max(self.workers, 1) - self.busy

    def submit(self, index: int, actions, seed: int) -> None:
        if self.workers == 0:
            self._local.append((index, actions, seed))
        else:
            ref = self._remote.remote(self.cfg, actions, self._data, seed, self._threads)
            self._inflight[ref] = (index, actions)

    def next_result(self) -> tuple[int, Any, dict]:
        if self.workers == 0:
            index, actions, seed = self._local.pop(0)
            return index, actions, self._evaluate(self.cfg, actions, self._data, seed)
        ready, _ = self._ray.wait(list(self._inflight), num_returns=1)
        index, actions = self._inflight.pop(ready[0])
        try:
            result = self._ray.get(ready[0])
        except Exception as e:  # noqa: BLE001 -- a crashed worker process is a failed child
            result = {"status": "failed", "error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}",
                      "reward": 0.0, "val_acc": float("nan"), "val_ppl": float("nan"), "params": 0,
                      "seconds": float("nan")}
        return index, actions, result

    def close(self) -> None:
        if self.workers:
            for ref in self._inflight:
                self._ray.cancel(ref, force=True)
            if self._owns_ray:
                self._ray.shutdown()


def top_k_mean(values, k: int = 5, largest: bool = True) -> float:
    v = sorted((x for x in values if np.isfinite(x)), reverse=largest)[:k]
    return float(np.mean(v)) if v else float("nan")


def controller_update(controller, optimizer, batch: list[dict], steps_of, baseline: float) -> float:
    """One REINFORCE step (Sec. 3.2) on the m children of `batch`; returns the surrogate loss."""
    import tensorflow as tf
    rewards = tf.constant([c["reward"] for c in batch], tf.float32)
    with tf.GradientTape() as tape:
        log_probs = []
        for c in batch:   # children may differ in depth (curriculum): score each on its own steps
            log_probs.append(controller.log_prob(steps_of(c["index"]), [c["actions"]]))
        loss = losses.reinforce_loss(tf.concat(log_probs, 0), rewards, baseline)
    grads = tape.gradient(loss, controller.trainable_variables)
    # decisions deeper than this batch's children (later curriculum stages) get no gradient
    used = [(g, v) for g, v in zip(grads, controller.trainable_variables) if g is not None]
    optimizer.apply([g for g, _ in used], [v for _, v in used])
    return float(loss)


def main(argv=None, stop_after: int | None = None) -> Path:
    """Run or resume a search; `stop_after` (tests) simulates a crash after that many children."""
    args = parse_args(NASConfig, PROFILES, prog="papers.nas.train",
                      description="Neural Architecture Search (Zoph & Le 2017): search driver", argv=argv)
    cfg = args.config
    try:
        data = load_task_data(cfg)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2)
    import keras
    import tensorflow as tf
    from papers.nas.controller import Controller

    seeds = seed_everything(args.seed, args.deterministic)
    controller = Controller(all_steps(cfg), cfg.controller_units, cfg.controller_layers,
                            cfg.controller_init, seed=args.seed)
    optimizer = keras.optimizers.Adam(controller_lr(cfg))
    optimizer.build(controller.trainable_variables)
    baseline_var = tf.Variable(0.0, name="baseline")
    metric = "val_acc" if cfg.task == "cifar10" else "val_ppl"

    def steps_of(index: int):   # indices re-issued after a resume may pass the budget: same depth
        return task_steps(cfg, min(index, cfg.total_architectures - 1))

    with Run(args, paper="nas", step_column="children") as run:
        if run.completed_summary() is not None:
            return run.dir
        run.track(controller=controller, optimizer=optimizer, baseline=baseline_var)
        history: list[dict] = []

        def save_files(folder: Path) -> None:
            (folder / "history.json").write_text(json.dumps(history))
            (run.dir / "history.json").write_text(json.dumps(history))

        def load_files(folder: Path) -> None:
            history.extend(json.loads((folder / "history.json").read_text()))

        start, state = run.restore(load_files=load_files)
        rng = seeds.generator(0)
        if state:
            rng.bit_generator.state = state["rng"]
        by_index = {c["index"]: c for c in history}
        pending = [by_index[i] for i in state.get("pending", [])]
        updates = state.get("updates", 0)
        baseline = float(baseline_var.numpy()) if state.get("baseline_set") else None

        def checkpoint_state():
            return {"rng": rng.bit_generator.state, "pending": [c["index"] for c in pending],
                    "updates": updates, "baseline_set": baseline is not None}

        pool = ChildPool(cfg, data, cfg.workers)
        # children in flight at the checkpoint are lost; new ones get fresh sampling indices
        sampled, completed = max((c["index"] + 1 for c in history), default=0), len(history)
        progress = Progress(cfg.total_architectures, f"nas {cfg.task} {cfg.search}", "children", start=completed)
        t0 = time.time()
        try:
            while completed < cfg.total_architectures:
                while pool.free > 0 and completed + pool.busy < cfg.total_architectures:
                    steps = steps_of(sampled)
                    actions = (controller.sample(steps, rng) if cfg.search == "controller"
                               else random_actions(steps, rng))
                    pool.submit(sampled, actions, seeds.env_seed(sampled))
                    sampled += 1
                index, actions, result = pool.next_result()
                completed += 1
                child = {"index": index, "actions": [list(a) if isinstance(a, tuple) else a for a in actions],
                         "arch": arch_string(cfg, actions), **{k: v for k, v in result.items()
                                                               if k in ("status", "error", "reward", "val_acc",
                                                                        "val_ppl", "params", "seconds", "val_accs")}}
                history.append(child)
                pending.append(child)
                run.log({"children": completed, "index": index, "status": child["status"],
                         "reward": child["reward"], metric: child.get(metric, float("nan")),
                         "params": child.get("params", 0), "seconds": child.get("seconds", float("nan")),
                         "arch": child["arch"], "error": child.get("error", "")}, table="children")
                progress.update(1, reward=child["reward"])
                if len(pending) == cfg.architectures_per_update:
                    rewards = [c["reward"] for c in pending]
                    b = float(np.mean(rewards)) if baseline is None else baseline
                    loss = (controller_update(controller, optimizer, pending, steps_of, b)
                            if cfg.search == "controller" else float("nan"))
                    baseline = losses.ema_baseline(baseline, rewards, cfg.baseline_decay)
                    baseline_var.assign(baseline)
                    updates += 1
                    values = [c.get(metric, float("nan")) for c in history if c["status"] == "ok"]
                    run.log({"children": completed, "updates": updates, "wall_time": round(time.time() - t0, 1),
                             "moving_avg_reward": baseline, "batch_mean_reward": float(np.mean(rewards)),
                             "loss": loss, "failed": sum(c["status"] != "ok" for c in history),
                             "top5_val_acc" if cfg.task == "cifar10" else "best_val_ppl":
                                 top_k_mean(values, 5) if cfg.task == "cifar10" else top_k_mean(values, 1, False)})
                    pending = []
                    if updates % cfg.checkpoint_every_updates == 0:
                        run.save(completed, checkpoint_state(), save_files)
                if stop_after is not None and completed >= stop_after:
                    return run.dir
                run.exit_if_interrupted(completed, checkpoint_state(), save_files)
        finally:
            pool.close()
        progress.close()
        run.save(completed, checkpoint_state(), save_files)
        ok = [c for c in history if c["status"] == "ok"]
        best = (max(ok, key=lambda c: c["val_acc"]) if cfg.task == "cifar10"
                else min(ok, key=lambda c: c["val_ppl"])) if ok else None
        run.finish({"children": completed, "failed": len(history) - len(ok), "updates": updates,
                    "final_moving_avg_reward": baseline,
                    "top5_val_acc" if cfg.task == "cifar10" else "best_val_ppl":
                        top_k_mean([c[metric] for c in ok], 5) if cfg.task == "cifar10"
                        else top_k_mean([c[metric] for c in ok], 1, False),
                    "best_arch": best["arch"] if best else None,
                    "best_actions": best["actions"] if best else None})
    return run.dir


if __name__ == "__main__":
    main()
