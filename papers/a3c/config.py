"""Mnih et al. 2016, "Asynchronous Methods for Deep Reinforcement Learning": the configuration.

The defaults ARE the paper's values (A3C feed-forward agent on Atari); each field names its
source and unit. Values that are not in the paper come from the authors' e-mail quoted in
miyosuda/async_deep_reinforce issue #1 (RMSProp epsilon 0.1, gradient-norm clip 40, learning
rate about 7e-4) and are marked as such. Units: "frames" are emulator frames (4 per agent step
on Atari, 1 per step on CartPole); the paper's global counter T counts frames.

Profiles: `paper` (exact), `cpu` (a Pong run sized for a shared 2-core machine), `cartpole`
(the algorithm check with an MLP torso and 8 threads), `smoke` (seconds, for tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from common.config import Profile, param

S8 = "Mnih 2016, Supp. Sec. 8 (Experimental setup)"
EMAIL = "authors' e-mail, quoted in miyosuda/async_deep_reinforce issue #1 (not in the paper)"
METHODS = ("a3c", "one_step_q", "one_step_sarsa", "n_step_q")


@dataclass(frozen=True)
class A3CConfig:
    # --- what is trained
    method: Literal["a3c", "one_step_q", "one_step_sarsa", "n_step_q"] = param(
        "a3c", source="Mnih 2016, Algorithm 1 (one-step Q), Algorithms S2 (n-step Q) and S3 (A3C); Sec. 4",
        choices=METHODS, help="the asynchronous algorithm")
    env: str = param("pong", source="Mnih 2016, Sec. 5.1 (Atari 2600 via ALE)",
                     help="an ale-py ROM id (pong, breakout, ...) or CartPole-v1")
    network: Literal["ff", "lstm", "mlp"] = param(
        "ff", source="Mnih 2016, Sec. 5.1 (A3C FF; A3C LSTM with 256 cells)", choices=("ff", "lstm", "mlp"),
        help="ff: conv torso of Mnih 2013; lstm: ff + 256 LSTM cells; mlp: vector-input torso")
    center_frames: bool = param(False, source="Mnih 2013 (the network of Supp. Sec. 8): frames scaled to [0, 1] only",
                                help="subtract each frame's mean pixel value before conv1 (ours)")
    # --- asynchrony
    threads: int = param(16, source=S8 + " (16 actor-learner threads on one machine)", unit="threads", bounds=">= 1")
    t_max: int = param(5, source=S8 + " (updates every 5 actions; Algorithm S3 t_max)", unit="agent steps",
                       help="rollout length t_max (A3C, n-step Q) or I_AsyncUpdate (one-step methods)", bounds=">= 1")
    total_frames: int = param(200_000_000, source="rldb paper__a3c note: 50 epochs x 4M frames (4-day agents)",
                              unit="frames", help="T_max of the shared counter; the lr reaches 0 there", bounds=">= 1")
    # --- optimisation
    lr: float = param(7e-4, source=EMAIL + " ('best learning rates around 7e-4')", unit="step size",
                      help="initial learning rate eta (annealed linearly to 0 over lr_anneal_frames)", bounds="> 0")
    lr_anneal_frames: int | None = param(None, source=S8 + " (lr 'annealed to 0 over the course of training')",
                                         unit="frames", help="T at which eta reaches 0; None: total_frames",
                                         bounds=">= 1")
    lr_sampling: Literal["fixed", "log_uniform"] = param(
        "fixed", source=S8 + " (lr ~ LogUniform(1e-4, 1e-2), 50 runs per game)", paper="log_uniform",
        reason="one run per setting here: the e-mail's best fixed value instead of a random draw",
        choices=("fixed", "log_uniform"), help="log_uniform draws lr from [lr_low, lr_high] by seed")
    lr_low: float = param(1e-4, source=S8, unit="step size", bounds="> 0")
    lr_high: float = param(1e-2, source=S8, unit="step size", bounds="> 0")
    rmsprop_decay: float = param(0.99, source=S8 + " (shared RMSProp, alpha = 0.99)", bounds="[0, 1)")
    rmsprop_epsilon: float = param(0.1, source=EMAIL, bounds="> 0")
    rmsprop_g0: float = param(1.0, source="not in the paper: TensorFlow 1's RMSPropOptimizer, used by "
                              "miyosuda/async_deep_reinforce (rmsprop_applier.py, 'rms' slot = 1.0) and OpenAI "
                              "baselines' A2C, starts the mean square g at 1 (Keras 3 and PyTorch start at 0)",
                              unit="initial value of g",
                              help="g at the start; with 0 the first steps are 1/sqrt(1 - alpha) = 10x lr "
                                   "per parameter", bounds=">= 0")
    max_grad_norm: float = param(40.0, source=EMAIL + " (the paper says only that clipping was searched)",
                                 unit="global L2 norm", bounds="> 0")
    gamma: float = param(0.99, source=S8, unit="discount per agent step", bounds="[0, 1]")
    entropy_beta: float = param(0.01, source=S8 + " (Atari, TORCS)", bounds=">= 0")
    value_loss_coef: float = param(1.0, source="Mnih 2016, Algorithm S3: d(R - V)^2/d theta_v",
                                   help="weight of (R - V)^2 against the policy loss (shared torso)", bounds=">= 0")
    # --- value-based siblings
    target_update_frames: int = param(40_000, source=S8 + " (target network every 40,000 frames)",
                                      unit="frames", bounds=">= 1")
    final_epsilons: tuple[float, ...] = param((0.1, 0.01, 0.5), source=S8, bounds="[0, 1]")
    final_epsilon_probs: tuple[float, ...] = param((0.4, 0.3, 0.3), source=S8, bounds="[0, 1]")
    epsilon_anneal_frames: int = param(4_000_000, source=S8 + " (1 -> final over the first 4M frames)",
                                       unit="frames", bounds=">= 1")
    # --- environment (Atari preprocessing of Mnih 2015, shared with DQN: common/atari.py)
    action_repeat: int = param(4, source=S8 + " (action repeat 4, as DQN)", unit="frames per agent step", bounds=">= 1")
    history: int = param(4, source="Mnih 2015 Methods (frames stacked), used by Mnih 2016", unit="frames",
                         bounds=">= 1")
    noop_max: int = param(30, source="Mnih 2015 Methods (up to 30 no-ops at the start of each game)",
                          unit="agent steps", bounds=">= 0")
    clip_rewards: bool = param(True, source="Mnih 2015 Methods (rewards clipped to [-1, 1]); Mnih 2016 "
                               "uses the DQN Atari setup (Sec. 5.1)")
    terminal_on_life_loss: bool = param(False, source="not stated in Mnih 2016; the learner's terminal is "
                                        "the game over", help="treat a life loss as terminal for the learner")
    mlp_units: tuple[int, ...] = param((64, 64), source="ours (no MLP in the paper; CartPole check only)",
                                       unit="units per layer", bounds=">= 1")
    # --- bookkeeping (not algorithmic)
    log_every_s: float = param(30.0, source="ours", unit="seconds", help="one metrics row per interval", bounds="> 0")
    checkpoint_every_s: float = param(600.0, source="ours", unit="seconds", bounds="> 0")
    eval_episodes: int = param(30, source="Mnih 2015 Methods (30 evaluation episodes)", unit="episodes", bounds=">= 1")
    solved_return: float = param(0.0, source="ours (0: never stop early); CartPole's 'solved' is 195",
                                 unit="return", help="stop once the mean of the last 100 episodes reaches it",
                                 bounds=">= 0")

    def rules(self):
        """Relations between fields the code relies on (checked with every config, see common/config.py)."""
        return [
            (len(self.final_epsilons) == len(self.final_epsilon_probs) >= 1
             and abs(sum(self.final_epsilon_probs) - 1.0) < 1e-6,
             f"final_epsilon_probs {self.final_epsilon_probs} must give one probability per final "
             f"epsilon {self.final_epsilons}, summing to 1; fix them with --set"),
            (self.lr_low <= self.lr_high,
             f"lr_low {self.lr_low:g} > lr_high {self.lr_high:g}: lr_sampling draws from [lr_low, lr_high]; "
             f"swap them with --set"),
            (not (self.network == "lstm" and self.method != "a3c"),
             f"network lstm is used with method a3c only (Mnih 2016, Sec. 5.1), not {self.method}; "
             f"--set network=ff or method=a3c"),
        ]


PROFILES = {
    "paper": Profile("the paper's values (A3C FF, Pong, 16 threads, 200M frames)"),
    "cpu": Profile(
        "a Pong run of A3C FF sized for a 2-core CPU (about 3,000 frames/s, about 2 hours)",
        {"total_frames": 20_000_000, "lr_anneal_frames": 200_000_000, "t_max": 20, "lr": 2e-4,
         "rmsprop_epsilon": 1e-5, "value_loss_coef": 0.5, "center_frames": True},
        {"total_frames": "2 cores reach about 2,500 frames/s: 20M frames is about 2 hours; reproduce.py stops and "
                         "resumes the run in invocations of at most 25 minutes",
         "center_frames": "ours, after the conv1 layer died in every cpu run without it (channels never positive on "
                          "400 random-play Pong states, papers/a3c/diagnose.py: 13 and 15 of 16 at the end of two "
                          "20M-frame runs, all 16 within 2M frames in two others): frames scaled to [0, 1] are "
                          "mostly one grey, so a step that moves all of a channel's weights one way (each by about "
                          "lr with epsilon 1e-5) shifts its response on "
                          "every pixel; with the background at 0 it shifts only the response to ball and paddles. "
                          "With it a fresh network has 0 dead conv1 channels instead of 7 (README)",
         "lr_anneal_frames": "the paper profile's horizon (its 200M frames): the cpu run is the first 20M frames of "
                             "a paper-length schedule and eta falls only from 2e-4 to 1.8e-4. Annealed to 0 over "
                             "the 20M frames, eta was below 1e-4 for the second half of the run, which is when "
                             "the training score began to rise (README)",
         "t_max": "the authors' e-mail ('backups of length 20 ... t_max = 20', quoted in "
                  "miyosuda/async_deep_reinforce issue #1) instead of Supp. Sec. 8's 5: Pong's rewards come 20-40 agent steps after the hit that "
                  "earned them; a 6M-frame cpu run with t_max 5 stayed within 1 point of random (README)",
         "lr": "with epsilon 1e-5 every parameter moves by about lr per update whatever its gradient's size, "
               "and the 2,592 inputs of the fc layer then shift a unit by up to ~0.1 per update at lr 7e-4: "
               "cpu runs at 7e-4 and at 4e-4 had 207 and 184 of 256 fc units dead after 1.7-1.8M frames and "
               "a policy and value constant over states (README). 2e-4 (in the paper's LogUniform(1e-4, 1e-2) "
               "range) is twice the Adam step size 1e-4 of ikostrikov/pytorch-a3c and universe-starter-agent, which "
               "learn Pong with 20-step rollouts",
         "value_loss_coef": "OpenAI baselines' A2C vf_coef 0.5 (the recipe of the epsilon below; miyosuda/"
                            "async_deep_reinforce and ikostrikov/pytorch-a3c use 0.25 on this scale) instead of "
                            "Algorithm S3's literal d(R - V)^2, to give the policy term a larger share of the shared "
                            "torso's gradient: with 1 the policy entropy stayed within 3% of ln 6 for 20M frames",
         "rmsprop_epsilon": "OpenAI baselines' A2C value (lr 7e-4, alpha 0.99, epsilon 1e-5; stable-baselines A2C "
                            "defaults) instead of the e-mail's 0.1: the per-parameter mean squared gradients here "
                            "are far below 0.1, so with 0.1 inside the root every step is about lr x grad / 0.32, "
                            "plain SGD; two cpu runs with 0.1 (lr 7e-4 for 3.8M frames, lr 1e-2 for 9.9M frames) "
                            "kept the policy entropy at its maximum ln 6 and the score at random's (README)"}),
    "cartpole": Profile(
        "algorithm check on CartPole-v1 with an MLP torso and 8 threads",
        {"env": "CartPole-v1", "network": "mlp", "threads": 8, "total_frames": 1_000_000,
         "lr": 1e-3, "max_grad_norm": 1e9, "clip_rewards": False, "target_update_frames": 2_000,
         "epsilon_anneal_frames": 20_000, "log_every_s": 10.0, "checkpoint_every_s": 120.0,
         "eval_episodes": 10, "solved_return": 195.0},
        {"env": "an algorithm check that learns in about a minute on 2 cores (CartPole-v1, not Atari)",
         "network": "CartPole observations are 4 numbers: an MLP torso replaces the conv torso",
         "threads": "8 asynchronous actor-learners are enough to check the algorithm on a 2-core machine",
         "total_frames": "a budget for a 200-step-episode task (1 frame = 1 env step)",
         "lr": "chosen by us for CartPole (a 60-s trial with one thread learnt steadily)",
         "max_grad_norm": "clipping off: CartPole's unclipped returns reach 100, and the norm-40 clip "
                          "(sized for Atari's clipped rewards) kept V(s) from learning the terminal states",
         "clip_rewards": "CartPole rewards are already 1",
         "target_update_frames": "scaled down with the task (episodes of at most 500 steps)",
         "epsilon_anneal_frames": "scaled down with the task",
         "log_every_s": "short run", "checkpoint_every_s": "short run",
         "eval_episodes": "short check", "solved_return": "CartPole's 'solved': mean return >= 195 over 100 episodes "
                                                          "(OpenAI Gym's CartPole-v0 threshold)"}),
    "smoke": Profile(
        "seconds-long run for tests",
        {"threads": 2, "total_frames": 400, "log_every_s": 0.5, "checkpoint_every_s": 1.0,
         "eval_episodes": 1},
        {"threads": "test speed", "total_frames": "test speed", "log_every_s": "test speed",
         "checkpoint_every_s": "test speed", "eval_episodes": "test speed"}),
}
