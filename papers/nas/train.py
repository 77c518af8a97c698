"""Zoph & Le 2017: the architecture search (controller + REINFORCE, or the random-search control).

    python -m papers.nas.train --profile cpu --set task=cifar10 --set search=controller
    python -m papers.nas.train --profile cpu --set task=ptb --set search=random

Children are trained as Ray tasks (Sec. 3.2's distributed training), on this machine or a Ray
cluster: `workers` of them are in flight at once; the controller plays the parameter server,
taking each child's result as it arrives and updating after every m = `architectures_per_update`
completed children. Children are sampled from the controller as it is when a worker frees up, so a batch
may mix children sampled before the previous update (as with the paper's asynchronous replicas);
their log-probabilities are recomputed under the current controller at update time.
`workers=0` trains children in-process, one at a time (tests). A Ray cluster is used instead of
a local Ray when the RAY_ADDRESS environment variable names one (`python -m common.launch` sets
it for the searches it runs); a child asks for a GPU there when the cluster has GPUs.

Run dir: `children.csv` (every evaluated architecture as a readable string plus its reward),
`metrics.csv` (one row per m children: moving-average reward, top-5 validation accuracy / best
perplexity so far), `history.json`, checkpoints (controller, Adam, baseline, history). Re-running
the command resumes; children in flight at a checkpoint are sampled again.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from common.config import parse_args
from common.errors import run_main
from common.progress import Progress
from common.run import Run, finished_summary
from common.seeding import seed_everything
from papers.nas import losses
from papers.nas.config import PROFILES, NASConfig, controller_lr
from papers.nas.search_space import all_steps, arch_string, random_actions, task_steps


def load_task_data(cfg: NASConfig) -> dict:
    from papers.nas import data
    if cfg.task == "cifar10":
        return data.cifar10_split(cfg)
    train, valid, vocab = data.ptb_ids(cfg.ptb_train_tokens, cfg.ptb_val_tokens)
    return {"train": data.batchify(train, cfg.ptb_batch), "valid": data.batchify(valid, cfg.ptb_batch),
            "vocab": vocab}


#: GPUs a child asks for when the cluster has GPUs: Sec. 4.1 trains its 800 children on 800 GPUs
#: (NAS_CHILD_GPUS=0.25 packs four children per GPU)
CHILD_GPUS = float(os.environ.get("NAS_CHILD_GPUS", "1"))
#: times Ray runs a child again after its worker or node died, before the child counts as failed
CHILD_RETRIES = 3


def init_ray() -> bool:
    """Ray for the children (common.launch.connect): the cluster RAY_ADDRESS names, else a new
    Ray on this machine's CPUs; no-op if Ray is already up. Returns True when it started Ray."""
    from common.launch import connect
    return connect()


def child_resources(workers: int) -> dict:
    """What one child asks Ray for: CHILD_GPUS and 1 CPU on a cluster with GPUs, else an equal
    share of the cluster's CPUs among the `workers` children in flight (at least 1)."""
    import ray
    total = ray.cluster_resources()
    if total.get("GPU", 0) > 0:
        return {"num_cpus": 1, "num_gpus": CHILD_GPUS}
    return {"num_cpus": max(1, int(total.get("CPU", 1) // workers)), "num_gpus": 0}


def child_task(cfg: NASConfig, actions, data: dict, seed: int) -> dict:
    """A child on a Ray worker: TensorFlow threads = the CPUs Ray assigned to the task (Ray points
    CUDA_VISIBLE_DEVICES at the GPUs it assigned); the record carries those resources."""
    import ray
    from papers.nas.child import evaluate_child
    resources = ray.get_runtime_context().get_assigned_resources()
    result = evaluate_child(cfg, actions, data, seed, threads=max(1, int(resources.get("CPU", 1))))
    return {**result, "resources": resources}


class ChildPool:
    """Children trained as Ray tasks (or in-process when workers == 0); results in completion order.
    `workers` is the number of children in flight (the paper's 800 on a cluster), never a number
    of local processes: Ray runs as many at once as the cluster's resources allow."""

    def __init__(self, cfg: NASConfig, data: dict, workers: int):
        from papers.nas.child import evaluate_child
        self.cfg, self.workers = cfg, workers
        self._local: list[tuple[int, Any, int]] = []
        if workers == 0:
            self._data, self._evaluate = data, evaluate_child
            return
        import ray
        self._owns_ray = init_ray()          # a Ray started by the caller outlives this pool
        self._ray = ray
        self._remote = ray.remote(max_retries=CHILD_RETRIES, **child_resources(workers))(child_task)
        self._data = ray.put(data)
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
            ref = self._remote.remote(self.cfg, actions, self._data, seed)
            self._inflight[ref] = (index, actions)

    def next_result(self) -> tuple[int, Any, dict]:
        if self.workers == 0:
            index, actions, seed = self._local.pop(0)
            return index, actions, self._evaluate(self.cfg, actions, self._data, seed)
        ready, _ = self._ray.wait(list(self._inflight), num_returns=1)
        index, actions = self._inflight.pop(ready[0])
        try:
            result = self._ray.get(ready[0])
        except Exception as e:  # noqa: BLE001 -- a child whose worker died CHILD_RETRIES + 1 times: failed
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
    if finished_summary(args, "nas") is not None:    # also refuses a run dir of another run, before any work
        return args.run_dir
    data = load_task_data(cfg)
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

    lr_field = "controller_lr" if cfg.task == "cifar10" else "ptb_controller_lr"
    with Run(args, paper="nas", step_column="children", lr_fields=(lr_field,)) as run:
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
                    if cfg.search == "controller":      # diverged: stop before sampling from nan weights
                        run.check_finite(completed, {"controller loss": loss})
                        if not run.variables_finite():
                            raise run.diverged("a controller weight became nan or inf", completed)
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
    run_main(main)
