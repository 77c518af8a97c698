"""Zoph & Le 2017: the architecture search (controller + REINFORCE, or the random-search control).

    python -m papers.nas.train --profile cpu --set task=cifar10 --set search=controller
    python -m papers.nas.train --profile cpu --set task=ptb --set search=random

Children are trained by persistent Ray actors (Sec. 3.2's distributed training), on this machine
or a Ray cluster: each actor keeps TensorFlow loaded (one intra-op thread) and the task's data
resident, and trains one child at a time; `workers` of them are in flight at once (at most as
many actors as the cluster holds when the search starts); the controller plays the parameter server,
taking each child's result as it arrives and updating after every m = `architectures_per_update`
completed children. Children are sampled from the controller as it is when a worker frees up, so a batch
may mix children sampled before the previous update (as with the paper's asynchronous replicas);
their log-probabilities are recomputed under the current controller at update time.
`workers=0` trains children in-process, one at a time (tests). A Ray cluster is used instead of
a local Ray when the RAY_ADDRESS environment variable names one (`python -m common.launch` sets
it for the searches it runs); an actor asks for a GPU there when the cluster has GPUs.

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


def load_task_data(cfg: NASConfig, with_test: bool = False) -> dict:
    """The children's data; `with_test` adds the CIFAR-10 test images (only the ground-truth
    table, table.py, scores children on them -- a search never sees them)."""
    from papers.nas import data
    if cfg.task == "cifar10":
        split = data.cifar10_split(cfg)
        if with_test:
            split["x_test"], split["y_test"], split["test_set"] = data.cifar10_test(cfg.image_size, split["mean"],
                                                                                    split["std"])
        return split
    train, valid, vocab = data.ptb_ids(cfg.ptb_train_tokens, cfg.ptb_val_tokens)
    return {"train": data.batchify(train, cfg.ptb_batch), "valid": data.batchify(valid, cfg.ptb_batch),
            "vocab": vocab}


#: GPUs a child asks for when the cluster has GPUs: Sec. 4.1 trains its 800 children on 800 GPUs
#: (NAS_CHILD_GPUS=0.25 packs four children per GPU)
CHILD_GPUS = float(os.environ.get("NAS_CHILD_GPUS", "1"))
#: TensorFlow intra-op threads of every child worker, and the CPUs it asks Ray for (ours: one
#: thread per worker in every setting, so 1 vs 2 workers compares workers, not thread counts)
CHILD_THREADS = 1
#: times Ray restarts a crashed child worker and re-runs its child, before the child counts as failed
CHILD_RETRIES = 3


def init_ray() -> bool:
    """Ray for the children (common.launch.connect): the cluster RAY_ADDRESS names, else a new
    Ray on this machine's CPUs; no-op if Ray is already up. Returns True when it started Ray."""
    from common.launch import connect
    return connect()


def child_resources() -> dict:
    """What one child worker asks Ray for: CHILD_THREADS CPUs, and CHILD_GPUS on a cluster with GPUs."""
    import ray
    gpus = CHILD_GPUS if ray.cluster_resources().get("GPU", 0) > 0 else 0
    return {"num_cpus": CHILD_THREADS, "num_gpus": gpus}


def pool_size(workers: int, resources: dict) -> int:
    """Child workers to start: `workers`, at most as many as the cluster's resources hold now
    (a worker that never gets a CPU would keep its child in flight forever)."""
    import ray
    total = ray.cluster_resources()
    fits = total.get("CPU", 0) // resources["num_cpus"]
    if resources["num_gpus"]:
        fits = min(fits, total.get("GPU", 0) // resources["num_gpus"])
    return int(max(1, min(workers, fits)))


class ChildWorker:
    """A Ray actor that trains children one at a time: TensorFlow started once with CHILD_THREADS
    intra-op threads (set before its first op; an error if TensorFlow had already started), the
    config and data resident for every child. Each record carries the setting in force."""

    def __init__(self, cfg: NASConfig, data: dict):
        import ray
        from papers.nas.child import set_tensorflow_threads
        self.settings = {"threads": set_tensorflow_threads(CHILD_THREADS), "pid": os.getpid(),
                         "resources": ray.get_runtime_context().get_assigned_resources()}
        self.cfg, self.data = cfg, data

    def describe(self) -> dict:
        return self.settings

    def evaluate(self, actions, seed: int) -> dict:
        from papers.nas.child import evaluate_child
        started = time.time()
        result = evaluate_child(self.cfg, actions, self.data, seed)
        return {**result, **self.settings, "started": started, "ended": time.time()}


class ChildPool:
    """Children trained by persistent Ray actors (or in-process when workers == 0); results in
    completion order. `workers` is the number of children in flight (the paper's 800 on a
    cluster); the pool starts that many actors, at most as many as the cluster holds."""

    def __init__(self, cfg: NASConfig, data: dict, workers: int):
        from papers.nas.child import evaluate_child
        self.cfg, self.workers = cfg, workers
        self._local: list[tuple[int, Any, int]] = []
        if workers == 0:
            self.size, self._data, self._evaluate = 1, data, evaluate_child
            return
        import ray
        self._owns_ray = init_ray()          # a Ray started by the caller outlives this pool
        self._ray = ray
        resources = child_resources()
        self.size = pool_size(workers, resources)
        self._actor = ray.remote(max_restarts=CHILD_RETRIES, max_task_retries=CHILD_RETRIES, **resources)(ChildWorker)
        self._data = ray.put(data)
        self._actors = [self._actor.remote(cfg, self._data) for _ in range(self.size)]
        self._idle = list(range(self.size))
        self._inflight: dict[Any, tuple[int, Any, int]] = {}

    @property
    def busy(self) -> int:
        return len(self._local) if self.workers == 0 else len(self._inflight)

    @property
    def free(self) -> int:
        return self.size - self.busy

    def describe(self) -> list[dict]:
        """Each worker's settings in force (threads, pid, Ray resources); [] in-process."""
        return [] if self.workers == 0 else self._ray.get([a.describe.remote() for a in self._actors])

    def submit(self, index: int, actions, seed: int) -> None:
        if self.workers == 0:
            self._local.append((index, actions, seed))
        elif not self._idle:
            raise RuntimeError("every child worker is busy: submit only while pool.free > 0")
        else:
            slot = self._idle.pop(0)
            self._inflight[self._actors[slot].evaluate.remote(actions, seed)] = (index, actions, slot)

    def next_result(self) -> tuple[int, Any, dict]:
        if self.workers == 0:
            index, actions, seed = self._local.pop(0)
            return index, actions, self._evaluate(self.cfg, actions, self._data, seed)
        ready, _ = self._ray.wait(list(self._inflight), num_returns=1)
        index, actions, slot = self._inflight.pop(ready[0])
        try:
            result = self._ray.get(ready[0])
        except Exception as e:  # noqa: BLE001 -- a worker that died CHILD_RETRIES + 1 times: child failed
            result = {"status": "failed", "error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}",
                      "reward": 0.0, "val_acc": float("nan"), "val_ppl": float("nan"), "params": 0,
                      "seconds": float("nan")}
            if isinstance(e, self._ray.exceptions.RayActorError):     # replace the dead worker
                self._actors[slot] = self._actor.remote(self.cfg, self._data)
        self._idle.append(slot)
        return index, actions, result

    def close(self) -> None:
        if self.workers:
            for actor in self._actors:           # also stops the children still in flight
                self._ray.kill(actor, no_restart=True)
            if self._owns_ray:
                self._ray.shutdown()


def top_k_mean(values, k: int = 5, largest: bool = True) -> float:
    v = sorted((x for x in values if np.isfinite(x)), reverse=largest)[:k]
    return float(np.mean(v)) if v else float("nan")


def controller_update(controller, optimizer, batch: list[dict], steps_of, baseline: float | None) -> float:
    """One REINFORCE step (Sec. 3.2) on the m children of `batch` (each with "index", "actions",
    "reward") against the baseline b (None before any reward: the batch's own mean); returns the
    surrogate loss. The caller then moves b (losses.ema_baseline)."""
    import tensorflow as tf
    baseline = float(np.mean([c["reward"] for c in batch])) if baseline is None else baseline
    by_depth: dict[int, list[dict]] = {}    # children may differ in depth (curriculum): score each
    for c in batch:                         # depth's children together, on their own steps
        by_depth.setdefault(len(steps_of(c["index"])), []).append(c)
    rewards = tf.constant([c["reward"] for group in by_depth.values() for c in group], tf.float32)
    with tf.GradientTape() as tape:
        log_probs = [controller.log_prob(steps_of(group[0]["index"]), [c["actions"] for c in group])
                     for group in by_depth.values()]
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
        for w in pool.describe():                       # the setting in force in each child worker
            print(f"[nas {cfg.task} {cfg.search}] child worker pid {w['pid']}: TensorFlow threads {w['threads']}, "
                  f"Ray resources {w['resources']}", flush=True)
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
                    loss = (controller_update(controller, optimizer, pending, steps_of, baseline)
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
