"""Train the End-To-End Memory Network language model (Sukhbaatar et al. 2015, Sec. 5) on PTB.

    python -m papers.memn2n.train_lm                    # paper profile: 150 hidden, 7 hops, memory 200
    python -m papers.memn2n.train_lm --profile cpu      # CPU-scale run (see config.LM_PROFILES)

Per the official Torch code (MemN2N-lang-model): each update takes 128 random positions of the
training stream, the previous `memory_size` words are the memory and the next word the target;
NLL summed over the batch, SGD, one global gradient norm clipped at 50. After each epoch the
step size is divided by 1.5 if the validation cost did not improve (> 0.9999 x previous);
training stops at 100 epochs or when the step size falls below 1e-5. Validation and test
perplexity cover every position of the stream after the first `memory_size` words
(sequential sliding windows).
"""

from __future__ import annotations

import math
import time

import numpy as np

from common.config import parse_args
from common.errors import run_main
from common.precision import set_precision
from common.progress import Progress
from common.run import Run, finished_summary
from common.seeding import seed_everything
from papers.memn2n import data, losses
from papers.memn2n.config import LM_PROFILES, LMConfig

STEPS_PER_CALL = 50   # updates per compiled call (keeps Python out of the inner loop)


def make_fns(model, cfg: LMConfig):
    import tensorflow as tf
    variables = model.trainable_variables
    offsets = tf.range(-cfg.memory_size, 0)                               # context = the N previous words

    def windows(stream, pos):
        return tf.gather(stream, pos[..., None] + offsets), tf.gather(stream, pos)

    @tf.function(jit_compile=cfg.xla)
    def train_fn(stream, positions, lr):
        """positions [S, B]: S SGD updates; returns the summed NLL."""
        total = tf.zeros([])
        for s in tf.range(tf.shape(positions)[0]):
            context, target = windows(stream, positions[s])
            with tf.GradientTape() as tape:
                nll = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(target, model(context)))
            grads = losses.clip_global(tape.gradient(nll, variables), cfg.max_grad_norm, repeat_axis=False)
            for v, g in zip(variables, grads):
                v.assign_sub(lr * g)
            total += nll
        return total

    @tf.function(jit_compile=cfg.xla)
    def nll_fn(stream, pos):
        """Per-window NLL [B]."""
        context, target = windows(stream, pos)
        return tf.nn.sparse_softmax_cross_entropy_with_logits(target, model(context))

    return train_fn, nll_fn


def stream_perplexity(nll_fn, stream, cfg: LMConfig) -> float:
    """Perplexity over every position >= memory_size, in batches of sequential windows."""
    import tensorflow as tf
    n = min(len(stream), cfg.memory_size + cfg.eval_words) if cfg.eval_words else len(stream)
    positions = np.arange(cfg.memory_size, n, dtype=np.int32)
    total, B = 0.0, cfg.batch_size
    for start in range(0, len(positions), B):
        pos = positions[start:start + B]
        nll = nll_fn(stream, tf.constant(np.pad(pos, (0, B - len(pos)), mode="edge")))  # fixed shape
        total += float(tf.reduce_sum(nll[: len(pos)]))
    return losses.perplexity(total, len(positions))


def main(argv=None) -> dict:
    args = parse_args(LMConfig, LM_PROFILES, prog="papers.memn2n.train_lm",
                      description="Train the MemN2N language model on PTB (Sukhbaatar et al. 2015, Sec. 5).",
                      argv=argv)
    return train(args)


def train(args) -> dict:
    import tensorflow as tf

    from papers.memn2n.networks import MemN2NLM, checkpoint_items
    cfg = args.config
    if (summary := finished_summary(args, "memn2n")) is not None:
        return summary                                   # finished earlier: no data loading needed
    set_precision("float32")                          # the paper's arithmetic; TF32 off on GPUs
    seeds = seed_everything(args.seed, args.deterministic)
    (train_ids, valid_ids, test_ids), vocab = data.load_ptb()
    model = MemN2NLM(len(vocab), cfg)
    streams = [tf.constant(x) for x in (train_ids, valid_ids, test_ids)]
    updates_per_epoch = cfg.epoch_size or math.ceil(len(train_ids) / cfg.batch_size)
    with Run(args, paper="memn2n", step_column="epoch", lr_fields=("lr",)) as run:
        run.track(**checkpoint_items(model))
        start, state = run.restore()
        rng = seeds.generator(0)
        if state:
            rng.bit_generator.state = state["rng"]
        lr, prev_valid = state.get("lr", cfg.lr), state.get("prev_valid", math.inf)
        t0 = time.time() - float(state.get("wall_time", 0.0))
        train_fn, nll_fn = make_fns(model, cfg)
        print(f"[memn2n] PTB: {len(train_ids)} train / {len(valid_ids)} valid / {len(test_ids)} test words, "
              f"vocab {len(vocab)}; {updates_per_epoch} updates per epoch", flush=True)
        epoch = start
        for epoch in range(start + 1, cfg.epochs + 1):
            if lr < cfg.min_lr:
                break
            progress = Progress(updates_per_epoch, f"memn2n-lm epoch {epoch}", "updates")
            nll, done = 0.0, 0
            while done < updates_per_epoch:
                S = min(STEPS_PER_CALL, updates_per_epoch - done)
                pos = rng.integers(cfg.memory_size, len(train_ids), size=(S, cfg.batch_size)).astype(np.int32)
                nll += float(train_fn(streams[0], tf.constant(pos), tf.constant(lr, tf.float32)))
                done += S
                train_ppl = losses.perplexity(nll, done * cfg.batch_size)
                run.check_finite(epoch, {"train_ppl": train_ppl})   # inf: the loss diverged
                progress.update(S, train_ppl=train_ppl)
            progress.close()
            valid_ppl = stream_perplexity(nll_fn, streams[1], cfg)
            valid_cost = math.log(valid_ppl)
            wall = time.time() - t0
            run.log({"epoch": epoch, "updates": epoch * updates_per_epoch, "lr": lr,
                     "train_ppl": losses.perplexity(nll, updates_per_epoch * cfg.batch_size),
                     "valid_ppl": valid_ppl, "wall_time": round(wall, 1)})
            print(f"[memn2n] epoch {epoch}: valid ppl {valid_ppl:.1f} lr {lr:.5f} ({wall:.0f}s)", flush=True)
            if valid_cost > 0.9999 * prev_valid:
                lr /= cfg.lr_anneal                                   # official: anneal by 1.5
            prev_valid = valid_cost
            state = {"rng": rng.bit_generator.state, "lr": lr, "prev_valid": prev_valid, "wall_time": wall}
            if epoch % cfg.checkpoint_every == 0 or epoch == cfg.epochs:
                run.save(epoch, state=state)
            run.exit_if_interrupted(epoch, state=state)
        rows = run.read("metrics")
        summary = {"epochs": len(rows), "updates": len(rows) * updates_per_epoch,
                   "valid_ppl": float(rows[-1]["valid_ppl"]) if rows else None,
                   "test_ppl": stream_perplexity(nll_fn, streams[2], cfg),
                   "train_wall_time_s": round(time.time() - t0, 1)}
        print(f"[memn2n] test perplexity {summary['test_ppl']:.1f}", flush=True)
        run.finish(summary)
        return summary


if __name__ == "__main__":
    run_main(main)
