"""Train End-To-End Memory Networks (Sukhbaatar et al. 2015) on bAbI (Sec. 4, Table 1).

    python -m papers.memn2n.train --variant pe_ls_rn --set task=1            # 10 repeats of task 1
    python -m papers.memn2n.train --variant joint                            # all 20 tasks jointly
    python -m papers.memn2n.train --variant bow --set task=2 --set data_set=en-10k

All R repeats train together: every weight has a leading repeat axis and each repeat draws its
own batches, so one XLA-compiled call runs a whole epoch of all repeats. Per epoch:
  1. (numpy) draw floor(N/32) batches per repeat with replacement and their time indices
     (Random Noise adds gaps; official train.m),
  2. (one jitted call) SGD on the summed cross-entropy, per-matrix gradient clipping at 40,
     nil word re-zeroed after every update; Linear Start drops the softmax for the first
     `ls_epochs` epochs (official train_linear_start.m), then the normal schedule follows,
  3. validation error of every repeat.
At the end: train/val/test error of every repeat, and the run kept by the paper's rule
(lowest training error), in eval.csv and summary.json.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from common.config import Profile, parse_args
from common.errors import fail, run_main
from common.precision import set_precision
from common.run import Run, finished_summary
from common.seeding import seed_everything
from papers.memn2n import data, evaluate
from papers.memn2n.config import BABI_PROFILES, VARIANTS, BabiConfig
from papers.memn2n.networks import build_model, checkpoint_items

DESCRIPTION = "Train MemN2N on bAbI (Sukhbaatar et al. 2015, Table 1); --variant NAME picks a column."


def profiles_for(variant: str) -> dict[str, Profile]:
    """The profiles with the variant's overrides applied first (their reason names the column)."""
    overrides, why = VARIANTS[variant]
    out = {}
    for name, prof in BABI_PROFILES.items():
        reasons = {k: f"variant '{variant}': {why}" for k in overrides}
        reasons.update(prof.reasons)
        out[name] = Profile(f"{prof.description}; variant {variant}", {**overrides, **prof.overrides}, reasons)
    return out


def pop_variant(argv: list[str]) -> tuple[str, list[str]]:
    argv = list(argv)
    variant = "pe_ls_rn"
    for i, a in enumerate(argv):
        if a == "--variant" or a.startswith("--variant="):
            value = a.split("=", 1)[1] if "=" in a else (argv[i + 1] if i + 1 < len(argv) else "")
            del argv[i: i + (1 if "=" in a else 2)]
            variant = value
            break
    if variant not in VARIANTS:
        fail(f"unknown --variant {variant!r}; choose one of: {', '.join(VARIANTS)}")
    return variant, argv


def phase_schedule(cfg: BabiConfig, epoch: int) -> tuple[bool, float]:
    """(linear, step size) of 1-based `epoch` over the whole run (LS phase first, if any)."""
    from papers.memn2n.losses import babi_learning_rate
    if cfg.linear_start and epoch <= cfg.ls_epochs:
        return True, cfg.ls_lr                                   # ls_lrate_decay_step = ls_epochs + 1
    e = epoch - (cfg.ls_epochs if cfg.linear_start else 0)
    base = cfg.ls_lr if cfg.linear_start else cfg.lr
    return False, babi_learning_rate(e, base, cfg.lr_decay_every)


def total_epochs(cfg: BabiConfig) -> int:
    return (cfg.ls_epochs if cfg.linear_start else 0) + cfg.epochs


def make_epoch_fn(model, cfg: BabiConfig):
    """One compiled call = one epoch of SGD for all R repeats. Returns (loss [R], errors [R])."""
    import tensorflow as tf

    from papers.memn2n import losses
    if cfg.clip_mode == "global":
        clip = losses.clip_global
    else:
        def clip(grads, max_norm):
            return losses.clip_per_matrix(grads, max_norm, ord="spectral" if cfg.clip_mode.endswith("spectral")
                                          else "frobenius")
    variables = model.trainable_variables

    @tf.function(jit_compile=cfg.xla)
    def epoch_fn(stories, queries, answers, batch_idx, times, lr, linear):
        R = tf.shape(batch_idx)[1]
        loss_sum, err_sum = tf.zeros([R]), tf.zeros([R])
        for s in tf.range(tf.shape(batch_idx)[0]):
            idx = batch_idx[s]                                                  # [R, B]
            a = tf.gather(answers, idx)
            with tf.GradientTape() as tape:
                logits = model(tf.gather(queries, idx), tf.gather(stories, idx), times[s], linear)
                loss = losses.cross_entropy_sum(logits, a)                      # [R], summed over B
                total = tf.reduce_sum(loss)                                     # runs are independent
            grads = [tf.convert_to_tensor(g) for g in tape.gradient(total, variables)]
            for v, g in zip(variables, clip(grads, cfg.max_grad_norm)):
                v.assign_sub(lr * g)                                            # plain SGD
            model.zero_nil()
            loss_sum += loss
            err_sum += losses.errors(logits, a)
        return loss_sum, err_sum

    return epoch_fn


def sample_epoch(td: data.TaskData, cfg: BabiConfig, repeats: int, rng: np.random.Generator):
    """Batches drawn with replacement (official train.m `randi`) and their time indices."""
    n = len(td.train)
    steps = n // cfg.batch_size
    idx = rng.integers(0, n, size=(steps, repeats, cfg.batch_size)).astype(np.int32)
    times = data.time_indices(td.train.lengths[idx.ravel()], td.memory_size, cfg.random_noise, rng)
    return idx, times.reshape(steps, repeats, cfg.batch_size, td.memory_size)


def main(argv=None) -> dict:
    variant, argv = pop_variant(sys.argv[1:] if argv is None else argv)
    args = parse_args(BabiConfig, profiles_for(variant), prog="papers.memn2n.train", description=DESCRIPTION,
                      argv=argv)
    return train(args, variant)


def train(args, variant: str = "pe_ls_rn") -> dict:
    import tensorflow as tf
    cfg = args.config
    if (summary := finished_summary(args, "memn2n")) is not None:
        return summary                                   # finished earlier: no data loading needed
    set_precision("float32")                          # the paper's arithmetic; TF32 off on GPUs
    seeds = seed_everything(args.seed, args.deterministic)
    td = data.prepare(cfg, seeds.generator(1))
    model = build_model(cfg, td)
    R = cfg.repeats
    with Run(args, paper="memn2n", step_column="epoch", lr_fields=("lr", "ls_lr")) as run:
        run.track(**checkpoint_items(model))
        start, state = run.restore()
        rng = seeds.generator(0)
        if state:
            rng.bit_generator.state = state["rng"]
        epoch_fn = make_epoch_fn(model, cfg)
        arrays = [tf.constant(x) for x in (td.train.stories, td.train.queries, td.train.answers)]
        n_epochs = total_epochs(cfg)
        t0 = time.time() - float(state.get("wall_time", 0.0))
        print(f"[memn2n] variant {variant}, tasks {td.tasks} ({cfg.data_set}): {len(td.train)} train / "
              f"{len(td.val)} val / {len(td.test)} test questions, vocab {len(td.vocab)}, memory {td.memory_size}, "
              f"sentence {td.sentence_len} words, {R} repeats x {n_epochs} epochs", flush=True)
        for epoch in range(start + 1, n_epochs + 1):
            linear, lr = phase_schedule(cfg, epoch)
            idx, times = sample_epoch(td, cfg, R, rng)
            loss, err = epoch_fn(*arrays, tf.constant(idx), tf.constant(times), tf.constant(lr, tf.float32),
                                 tf.constant(linear))
            n_seen = idx.shape[0] * cfg.batch_size
            train_loss = loss.numpy() / n_seen
            run.check_finite(epoch, {f"train_loss of repeat {r}": float(train_loss[r]) for r in range(R)})
            val_err = evaluate.wrong_answers(model, td.val, td.memory_size, cfg.xla, linear).mean(axis=1)
            wall = time.time() - t0
            for r in range(R):
                run.log({"epoch": epoch, "repeat": r, "linear_start": int(linear), "lr": lr,
                         "train_loss": float(train_loss[r]), "train_error": float(err[r]) / n_seen,
                         "val_error": float(val_err[r]), "wall_time": round(wall, 2)})
            if epoch % 10 == 0 or epoch == n_epochs:
                print(f"[memn2n] epoch {epoch}/{n_epochs} lr {lr:.5f}{' LS' if linear else ''} "
                      f"train err {np.mean(err) / n_seen:.3f} val err {val_err.mean():.3f} "
                      f"(min {val_err.min():.3f}) {wall:.0f}s", flush=True)
            state = {"rng": rng.bit_generator.state, "wall_time": wall}
            if epoch % cfg.checkpoint_every == 0 or epoch == n_epochs:
                run.save(epoch, state=state)
            run.exit_if_interrupted(epoch, state=state)
        summary = final_scores(model, cfg, td, run, n_epochs)
        summary.update(variant=variant, train_wall_time_s=round(time.time() - t0, 1))
        run.finish(summary)
        return summary


def final_scores(model, cfg: BabiConfig, td: data.TaskData, run: Run, epoch: int) -> dict:
    """Train/val/test error of every repeat (percent), per task, and the selected repeat: the
    eval.csv rows and the summary."""
    sc = evaluate.scores(model, td, cfg.xla)
    best = sc["selected"]
    for t in td.tasks:
        for r in range(cfg.repeats):
            run.log({"epoch": epoch, "repeat": r, "task": t, "train_error": round(float(sc["train"][r]), 3),
                     "val_error": round(float(sc["val"][r]), 3), "test_error": round(float(sc["per_task"][t][r]), 3),
                     "selected": int(r == best)}, table="eval")
    return {
        "data_set": cfg.data_set, "task": cfg.task, "repeats": cfg.repeats, "selected_repeat": best,
        "selection_rule": "lowest training error (ties: validation error, run index)",
        "train_error_pct": [round(float(x), 3) for x in sc["train"]],
        "val_error_pct": [round(float(x), 3) for x in sc["val"]],
        "test_error_pct_per_task": {str(t): round(float(v[best]), 3) for t, v in sc["per_task"].items()},
        "test_error_pct_all_repeats": {str(t): [round(float(x), 3) for x in v] for t, v in sc["per_task"].items()},
        "test_error_pct": round(float(sc["test"][best]), 3),
    }


if __name__ == "__main__":
    run_main(main)
