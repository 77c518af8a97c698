"""Train SLAC (Lee et al. 2020, Algorithm 1) from 64x64 pixels on a DeepMind Control task.

    python -m papers.slac.train --profile cpu              # CPU-scale run (declared cuts)
    python -m papers.slac.train                            # the official code's settings

Schedule (official `train_eval`): (1) `initial_collect_steps` agent steps of a uniform random
policy into the sequence replay; (2) `initial_model_train_steps` latent-model updates;
(3) per iteration: one agent step of the stochastic policy, one model update (batch of 32
sequences of 8+1) and one actor-critic update (256 sequences). Evaluation every
`eval_interval` iterations: stochastic (as the published curves) and greedy returns.

Step accounting: env_steps = agent steps x action repeat, counted from the start of phase (3)
(`env_steps`, the published CSVs' x-axis starts at 0 there) and from the very first step
(`env_steps_total`, including the random collection). The run dir gets metrics.csv (one row per
`log_interval` updates), eval.csv, figures/recon_*.png (ground truth / posterior / prior
rollout), checkpoints with the replay memory; re-running the command resumes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from common import dmc
from common.config import parse_args
from common.errors import run_main
from common.precision import set_precision
from common.progress import Progress
from common.run import Run
from common.seeding import seed_everything
from papers.slac.config import PROFILES, SlacConfig, action_repeat
from papers.slac.evaluate import episode_seed, eval_seed, policy_return

METRIC_KEYS = ("model_loss", "kl", "log_px", "log_pr", "recon_mse", "mean_frame_mse", "reward_mse",
               "critic_loss", "actor_loss", "alpha_loss", "alpha", "entropy", "q_mean")


def reconstruction_figure(agent, batch, path: Path, title: str) -> None:
    """The paper's qualitative figure: ground truth / posterior samples / prior rollout."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import tensorflow as tf
    post, prior = agent.model.reconstructions(tf.constant(batch["images"][:1]),
                                              tf.constant(batch["actions"][:1]))
    rows = [("ground truth", batch["images"][0] / 255.0), ("posterior", post[0].numpy()),
            ("prior rollout", prior[0].numpy())]
    steps = rows[0][1].shape[0]
    fig, axes = plt.subplots(3, steps, figsize=(1.2 * steps, 3.9))
    for r, (name, frames) in enumerate(rows):
        for t in range(steps):
            ax = axes[r, t]
            ax.imshow(frames[t])
            ax.set_xticks([]), ax.set_yticks([])
            if t == 0:
                ax.set_ylabel(name, fontsize=8)
    fig.suptitle(title, fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


class Trainer:
    def __init__(self, args):
        import tensorflow as tf
        from papers.slac.agent import History, SlacAgent
        from papers.slac.replay import SequenceReplay
        self.tf, self.cfg, self.args = tf, args.config, args
        cfg = self.cfg
        set_precision(self.cfg.compute_dtype)          # float32: TF32 off on Ampere/Hopper GPUs
        self.seeds = seed_everything(args.seed, args.deterministic)
        repeat = action_repeat(cfg.task)
        self.env = dmc.make(cfg.task, seed=self.seeds.env_seed(0), repeat=repeat, render=cfg.render)
        self.eval_env = dmc.make(cfg.task, seed=eval_seed(args.seed), repeat=repeat, render=cfg.render)
        self.repeat = self.env.repeat
        spec = self.env.action_spec
        self.low, self.high = spec.low, spec.high
        self.agent = SlacAgent(cfg, spec.shape[0], args.seed)
        shape = (cfg.image_size, cfg.image_size, 3)
        self.history = History(self.agent)
        self.eval_history = History(self.agent)   # evaluation keeps its own h_t
        self.replay = SequenceReplay(cfg.replay_capacity, shape, spec.shape[0], cfg.sequence_length + 1)
        self.rng = self.seeds.generator(0)
        self.c = {"agent_steps": 0, "model_updates": 0, "ac_updates": 0, "episodes": 0,
                  "last_return": float("nan")}
        self.terms: dict[str, list] = {}          # loss terms since the last log row, as tensors

    # ------------------------------------------------------------------ bookkeeping
    def state(self):
        return dict(self.c, rng=self.rng.bit_generator.state)

    def env_steps(self):
        """(since the random collection ended, total) environment steps."""
        train = max(self.c["agent_steps"] - self.cfg.initial_collect_steps, 0)
        return train * self.repeat, self.c["agent_steps"] * self.repeat

    def accumulate(self, terms):
        """Keep each update's loss terms on the device; `means` reads them at log time, so
        the loop never waits for an update to finish before starting the next."""
        for k, v in terms.items():
            self.terms.setdefault(k, []).append(v)

    def means(self, keys=None) -> dict[str, float]:
        """Mean of each loss term since the last log row (float64), one read from the device."""
        return {k: float(np.mean(self.tf.stack(v).numpy().astype(np.float64)))
                for k, v in self.terms.items() if keys is None or k in keys}

    def log_metrics(self, run, t0):
        env_steps, env_total = self.env_steps()
        row = {"model_updates": self.c["model_updates"], "agent_steps": self.c["agent_steps"],
               "env_steps": env_steps, "env_steps_total": env_total,
               "ac_updates": self.c["ac_updates"], "wall_time": round(time.time() - t0, 1),
               "train_return": self.c["last_return"]}
        means = self.means()
        run.check_finite(self.c["model_updates"], means)     # only the terms of updates since the last row
        means["model_loss"] = means.pop("loss", float("nan"))
        row.update({k: means.get(k, float("nan")) for k in METRIC_KEYS})
        run.log(row)
        self.terms = {}

    # ------------------------------------------------------------------ acting
    def begin_episode(self):
        self.frame = self.env.reset(seed=episode_seed(self.seeds.env_seed(0), self.c["episodes"]))
        self.history.reset(self.frame)
        self.ep_return = 0.0

    def env_step(self, random_policy: bool):
        if random_policy:
            action = self.rng.uniform(self.low, self.high).astype(np.float32)
        else:
            action = self.history.act(greedy=False)
        frame, reward, last, discount = self.env.step(action)
        self.replay.add(self.frame, action, reward, discount)
        self.ep_return += reward
        self.c["agent_steps"] += 1
        self.frame = frame
        if last:
            self.replay.end_episode(frame)
            self.c["episodes"] += 1
            self.c["last_return"] = self.ep_return
            self.begin_episode()
        else:
            self.history.push(action, frame)

    # ------------------------------------------------------------------ learning
    def sample(self, batch):
        b = self.replay.sample(batch, self.rng)
        return {k: self.tf.constant(v) for k, v in b.items()}

    def model_update(self):
        b = self.sample(self.cfg.model_batch_size)
        self.accumulate(self.agent.update_model(b["images"], b["actions"], b["rewards"]))
        self.c["model_updates"] += 1

    def ac_update(self):
        b = self.sample(self.cfg.ac_batch_size)
        self.accumulate(self.agent.update_actor_critic(b["images"], b["actions"], b["rewards"],
                                                       b["discounts"]))
        self.c["ac_updates"] += 1

    def evaluate(self, run):
        cfg, seed = self.cfg, eval_seed(self.args.seed)
        stochastic = policy_return(self.eval_env, self.eval_history, False, cfg.eval_episodes, seed)
        greedy = policy_return(self.eval_env, self.eval_history, True, cfg.eval_episodes, seed)
        env_steps, env_total = self.env_steps()
        run.log({"model_updates": self.c["model_updates"], "agent_steps": self.c["agent_steps"],
                 "env_steps": env_steps, "env_steps_total": env_total,
                 "eval_return_stochastic": stochastic, "eval_return_greedy": greedy,
                 "episodes": cfg.eval_episodes}, table="eval")
        fixed = self.replay.sample(1, np.random.default_rng(0))  # the same kind of window each time
        reconstruction_figure(self.agent, fixed, run.dir / "figures" / f"recon_{env_steps:08d}.png",
                              f"{cfg.task}: {env_steps} env steps, {self.c['model_updates']} model updates")
        print(f"[slac] eval at {env_steps} env steps: return {stochastic:.1f} (stochastic), "
              f"{greedy:.1f} (greedy)", flush=True)
        return stochastic, greedy

    def save(self, run):
        run.save(self.c["model_updates"], state=self.state(), save_files=self.replay.save)

    # ------------------------------------------------------------------ the schedule
    def run(self, run):
        cfg, c = self.cfg, self.c
        run.track(**self.agent.trackables())
        _, state = run.restore(load_files=self.replay.load)
        if state:
            self.rng.bit_generator.state = state.pop("rng")
            c.update(state)
            print(f"[slac] resumed at {c['agent_steps']} agent steps, {c['model_updates']} model "
                  f"updates", flush=True)
        t0 = time.time()
        self.begin_episode()
        collect, pretrain = cfg.initial_collect_steps, cfg.initial_model_train_steps
        total = collect + cfg.train_agent_steps
        guard = lambda: run.exit_if_interrupted(c["model_updates"], self.state(), self.replay.save)  # noqa: E731

        bar = Progress(collect, "slac random collection", "agent steps", start=c["agent_steps"])
        while c["agent_steps"] < collect:
            self.env_step(random_policy=True)
            bar.update(1)
        bar.close()
        if c["model_updates"] == 0 and c["agent_steps"] == collect:
            if cfg.input_standardization == "pixel":
                self.agent.model.encoder.set_input_statistics(self.replay.images[:len(self.replay)])
            self.save(run)

        bar = Progress(pretrain, "slac model pre-training", "updates", start=min(c["model_updates"], pretrain))
        while c["model_updates"] < pretrain:
            self.model_update()
            if c["model_updates"] % cfg.log_interval == 0:
                bar.update(0, **self.means(("loss", "kl")))
                self.log_metrics(run, t0)
            bar.update(1)
            if c["model_updates"] % cfg.checkpoint_interval == 0 or c["model_updates"] == pretrain:
                self.save(run)
            guard()
        bar.close()

        bar = Progress(total, "slac training", "agent steps", start=c["agent_steps"])
        if not run.read("eval"):  # the policy before any actor-critic update (published x = 0)
            self.evaluate(run)
        while c["agent_steps"] < total:
            self.env_step(random_policy=False)
            self.model_update()
            self.ac_update()
            done = c["agent_steps"] - collect
            if done % cfg.log_interval == 0:
                self.log_metrics(run, t0)
            bar.update(1, ret=c["last_return"])
            if done % cfg.eval_interval == 0 or c["agent_steps"] == total:
                self.evaluate(run)
            if done % cfg.checkpoint_interval == 0 or c["agent_steps"] == total:
                self.save(run)
            guard()
        bar.close()
        rows = run.read("eval")
        run.finish({"task": cfg.task, "agent_steps": c["agent_steps"], "env_steps": self.env_steps()[0],
                    "env_steps_total": self.env_steps()[1], "model_updates": c["model_updates"],
                    "ac_updates": c["ac_updates"],
                    "final_eval_return_stochastic": float(rows[-1]["eval_return_stochastic"]),
                    "final_eval_return_greedy": float(rows[-1]["eval_return_greedy"])})

    def close(self):
        self.env.close()
        self.eval_env.close()


def main(argv=None) -> int:
    args = parse_args(SlacConfig, PROFILES, prog="papers.slac.train",
                      description="SLAC (Lee et al. 2020) on DeepMind Control from pixels", argv=argv)
    lrs = ("model_learning_rate", "actor_learning_rate", "critic_learning_rate", "alpha_learning_rate")
    with Run(args, paper="slac", step_column="model_updates", lr_fields=lrs) as run:
        if run.completed_summary() is not None:
            return 0
        trainer = Trainer(args)
        try:
            trainer.run(run)
        finally:
            trainer.close()
    return 0


if __name__ == "__main__":
    run_main(main)
