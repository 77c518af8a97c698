"""DQN hyperparameters: Mnih et al. 2015 (Nature), Extended Data Table 1, and Mnih et al. 2013.

Defaults of `NatureConfig` ARE the Nature paper's values (Ext. Data Table 1 and Methods), checked
against the official Lua code (deepmind/dqn `run_gpu`, `dqn/NeuralQLearner.lua`). Where the
two disagree the field says so in its source and we follow the paper's text.

Units (the most common DQN pitfall):
  * emulator frames: what the ALE renders at 60 Hz; one agent step = `action_repeat` (4) frames.
  * agent steps: one action chosen by the agent (the Lua `numSteps`); "final exploration frame"
    1,000,000 and "replay start size" 50,000 of the table are agent steps in the Lua code.
  * updates: one minibatch gradient step, taken every `update_period` agent steps.

Profiles (`python -m papers.dqn.train --profile NAME`):
  nature / paper  the Nature paper, exact, in float32 (the default; `paper` is an alias)
  nips2013        Mnih et al. 2013: its network and screen crop, no target network, float32
  dopamine        Dopamine's published DQN experiment (google/dopamine dqn.gin, the legacy TF
                  agent behind baselines/atari/data/*.json): sticky actions, eps 0.01, its
                  RMSProp, network and preprocessing; the like-for-like comparison of README
  cpu             a Pong run that fits a 2-core CPU, in mixed_bfloat16 (every change is a declared
                  deviation)
  cartpole        the same agent, replay and loss on CartPole-v1 with an MLP torso (sanity check)
  smoke           seconds, for tests
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from common.config import Profile, param

T1 = "Mnih 2015, Ext. Data Table 1"
LUA = "deepmind/dqn@9d9b1d13a2"
ALEWRAP = "deepmind/alewrap@5d526497a0 alewrap/GameEnvironment.lua"


@dataclass(frozen=True)
class NatureConfig:
    # -------------------------------------------------------------- environment
    env: str = param("pong", source="Mnih 2015 (49 games; Pong is our CPU-scale game)",
                     help="ale-py game id (pong, breakout, space_invaders, ...) or CartPole-v1")
    screen: Literal["nature", "nips2013", "dopamine"] = param(
        "nature", source=f"Mnih 2015, Methods 'Preprocessing': full frame rescaled to 84x84 (area "
                         f"average: {LUA} dqn/Scale.lua image.scale 'bilinear', common/atari.py)",
        choices=("nature", "nips2013", "dopamine"))
    action_repeat: int = param(4, source=T1 + " 'action repeat'", unit="emulator frames per agent step",
                               bounds=">= 1")
    sticky_action_prob: float = param(
        0.0, source="Mnih 2015 (deterministic ALE; sticky actions came with Machado et al. 2018)",
        unit="per emulator frame", help="ALE repeat_action_probability", bounds="[0, 1]")
    history_length: int = param(4, source=T1 + " 'agent history length'", unit="frames per state", bounds=">= 1")
    noop_max: int = param(30, source=T1 + " 'no-op max'", bounds=">= 0")
    noop_unit: Literal["agent_steps", "emulator_frames"] = param(
        "agent_steps", source=T1 + " 'no-op max': 'do nothing' actions performed by the agent (the Lua "
                                   f"{ALEWRAP} nextRandomGame plays single emulator frames)",
        choices=("agent_steps", "emulator_frames"))
    noop_after_life_loss: bool = param(
        False, source=f"Mnih 2015 Methods (no-ops at the start of an episode only; the Lua "
                      f"{LUA} train_agent.lua calls nextRandomGame after every training terminal, "
                      f"lost lives included)",
        help="a new random no-op start after each lost life in training")
    train_episode_frames: int = param(
        108_000, source="Mnih 2015 Methods (30 min of play); common/atari.py", unit="emulator frames",
        help="cap of one training game", bounds=">= 1")
    terminal_on_life_loss: bool = param(
        True, source=f"the released code: {ALEWRAP} step(): 'Loosing a life will trigger a terminal "
                     f"signal in training mode' (the paper's text does not mention lives)",
        help="a lost life is terminal for the learner only; reported scores are full games")
    clip_reward: bool = param(True, source=f"Mnih 2015 Methods; {LUA} min_reward=-1,max_reward=1")
    # -------------------------------------------------------------- network
    network: Literal["nature", "nips2013", "dopamine", "mlp"] = param(
        "nature", source=f"Mnih 2015 Methods 'Model architecture'; {LUA} convnet_atari3.lua",
        choices=("nature", "nips2013", "dopamine", "mlp"),
        help="dopamine: the Nature layers with 'same' padding and Keras' default initialisers")
    mlp_units: tuple[int, ...] = param((64, 64), source="ours (CartPole torso only)", unit="units", bounds=">= 1")
    precision: Literal["float32", "mixed_bfloat16"] = param(
        "float32", source="Mnih 2015 (float32 on GPU; TF32 is switched off, common/precision.py)",
        choices=("float32", "mixed_bfloat16"),
        help="mixed_bfloat16: Keras mixed precision, variables and the Q-value layer in float32")
    # -------------------------------------------------------------- learner
    total_agent_steps: int = param(
        12_500_000, source="Mnih 2015 Methods: 50M frames (the Lua run_gpu runs steps=50M agent "
                           "steps = 200M frames)", unit="agent steps", bounds=">= 1")
    replay_capacity: int = param(1_000_000, source=T1 + " 'replay memory size'", unit="transitions", bounds=">= 1")
    batch_size: int = param(32, source=T1 + " 'minibatch size'", unit="transitions", bounds=">= 1")
    gamma: float = param(0.99, source=T1 + " 'discount factor'", unit="per agent step", bounds="[0, 1]")
    update_period: int = param(4, source=T1 + " 'update frequency'", unit="agent steps per update", bounds=">= 1")
    target_update_period: int = param(
        10_000, source=T1 + " 'target network update frequency' (measured in parameter updates; "
                            "the Lua code counts agent steps: numSteps % target_q == 1)",
        unit="target_update_unit (updates or agent steps)", help="0 = no target network (Mnih 2013)",
        bounds=">= 0")
    target_update_unit: Literal["updates", "agent_steps"] = param(
        "updates", source="Mnih 2015, Ext. Data Table 1 ('measured in the number of parameter "
                          f"updates'); {LUA} NeuralQLearner.lua counts agent steps (numSteps % target_q)",
        choices=("updates", "agent_steps"))
    replay_start: int = param(50_000, source=T1 + " 'replay start size' (Lua learn_start)",
                              unit="agent steps", help="uniform-random policy, no updates, before it", bounds=">= 1")
    optimizer: Literal["deepmind_rmsprop", "adam"] = param(
        "deepmind_rmsprop", source=f"Mnih 2015 Methods; {LUA} NeuralQLearner.lua (centered RMSProp, "
                                   "no momentum)", choices=("deepmind_rmsprop", "adam"))
    learning_rate: float = param(2.5e-4, source=T1 + " 'learning rate'", unit="per update", bounds="> 0")
    rms_decay: float = param(0.95, source=T1 + " 'gradient momentum' = 'squared gradient momentum'", bounds="[0, 1)")
    rms_epsilon: float = param(0.01, source=T1 + " 'min squared gradient' (inside the square root)", bounds="> 0")
    rms_initial_mean_square: float = param(
        0.0, source=f"{LUA} NeuralQLearner.lua (g2 starts at zeros)",
        help="starting value of RMSProp's running mean of squared gradients", bounds=">= 0")
    clip_delta: float = param(1.0, source="Mnih 2015 Methods 'error clipping'; Lua clip_delta=1",
                              help="0 = no clipping (squared error)", bounds=">= 0")
    loss_reduction: Literal["sum", "mean"] = param(
        "sum", source=f"{LUA} NeuralQLearner.lua: network:backward sums the minibatch gradients",
        choices=("sum", "mean"))
    eps_start: float = param(1.0, source=T1 + " 'initial exploration'", bounds="[0, 1]")
    eps_end: float = param(0.1, source=T1 + " 'final exploration'", bounds="[0, 1]")
    eps_decay_steps: int = param(
        1_000_000, source=T1 + " 'final exploration frame'; Lua ep_endt counts agent steps after "
                               "learn_start", unit="agent steps after replay_start", bounds=">= 1")
    # -------------------------------------------------------------- later variants (off = Mnih 2013/2015)
    double_q: bool = param(
        False, source="off in Mnih 2013/2015; on: van Hasselt, Guez & Silver 2016 'Deep RL with Double "
                      "Q-learning', Eq. 4 (carpedm20/deep-rl-tensorflow agent_type=DDQN)",
        help="Double DQN targets: the target network values the online network's argmax_a' Q(s', a') "
             "(losses.double_q_targets); needs a target network (target_update_period > 0)")
    dueling: bool = param(
        False, source="off in Mnih 2013/2015; on: Wang et al. 2016 'Dueling Network Architectures for "
                      "Deep RL', Eq. 9 and Sec. 4.2 (carpedm20/deep-rl-tensorflow "
                      "network_output_type=dueling)",
        help="dueling head: the fc layer split into V and A streams of its width, Q = V + A - mean_a A "
             "(networks.py; without Wang et al.'s 1/sqrt(2) gradient rescale and norm clipping)")
    # -------------------------------------------------------------- evaluation
    eval_epsilon: float = param(0.05, source="Mnih 2015 Methods 'evaluation'; Lua eval eps 0.05", bounds="[0, 1]")
    eval_period: int = param(250_000, source=f"{LUA} run_gpu eval_freq=250000", unit="agent steps", bounds=">= 1")
    eval_episodes: int = param(30, source="Mnih 2015 Methods: 30 episodes per game", unit="episodes",
                               help="periodic and final evaluation", bounds=">= 1")
    eval_episode_frames: int = param(18_000, source="Mnih 2015 Methods: up to 5 min (18,000 "
                                                    "frames)", unit="emulator frames", bounds=">= 1")
    solved_eval_return: float | None = param(
        None, source="ours (CartPole check: Gym's 'solved' threshold 195)", unit="mean eval return",
        help="stop once a periodic evaluation averages at least this; none = never", bounds="any")
    # -------------------------------------------------------------- bookkeeping
    checkpoint_period: int = param(250_000, source="ours (Lua save_freq=125000)", unit="agent steps", bounds=">= 1")
    save_replay: bool = param(True, source="ours", help="store the replay memory (uncompressed, "
                                                        "replay.py) with each checkpoint, for an "
                                                        "exact resume")
    log_period: int = param(10_000, source="ours", unit="agent steps", help="metrics.csv row period", bounds=">= 1")

    def rules(self):
        """Relations between fields the code relies on (checked with every config, see common/config.py)."""
        return [
            (self.batch_size <= self.replay_start <= self.replay_capacity,
             f"batch_size {self.batch_size} <= replay_start {self.replay_start} <= replay_capacity "
             f"{self.replay_capacity} does not hold: the first update samples a minibatch from the "
             f"replay_start transitions stored so far; change one of them with --set"),
            (self.replay_capacity > self.history_length,
             f"replay_capacity {self.replay_capacity} must exceed history_length {self.history_length} "
             f"(a state stacks history_length frames); raise replay_capacity with --set"),
            (self.optimizer == "deepmind_rmsprop" or self.rms_initial_mean_square == 0,
             f"rms_initial_mean_square {self.rms_initial_mean_square} applies to RMSProp only, but "
             f"optimizer is {self.optimizer}; set rms_initial_mean_square=0 or optimizer=deepmind_rmsprop"),
            (not (self.double_q and self.target_update_period == 0),
             "double_q needs a target network (van Hasselt 2016 Eq. 4 values the online argmax with "
             "the target network) but target_update_period is 0 (none, as in Mnih 2013); set "
             "target_update_period > 0 or double_q=false"),
        ]


@dataclass(frozen=True)
class Nips2013Config(NatureConfig):
    """Mnih et al. 2013: 16/32 conv + 256 fc network, 110x84 rescale then 84x84 crop, no target
    network, no error clipping, 10M frames. Constants the 2013 paper does not give are Nature's."""
    screen: Literal["nature", "nips2013", "dopamine"] = param(
        "nips2013", source="Mnih 2013 Sec. 4.1: 110x84 then an 84x84 crop",
        choices=("nature", "nips2013", "dopamine"))
    network: Literal["nature", "nips2013", "dopamine", "mlp"] = param(
        "nips2013", source="Mnih 2013 Sec. 4.1", choices=("nature", "nips2013", "dopamine", "mlp"))
    action_repeat: int | None = param(
        None, source="Mnih 2013 Sec. 5: k = 4 for every game except Space Invaders, k = 3 there (its "
                     "lasers blink with period 4 and would be invisible)",
        unit="emulator frames per agent step", help="none = per game (see action_repeat())",
        bounds="any")
    total_agent_steps: int = param(2_500_000, source="Mnih 2013 Sec. 5: 10M frames", unit="agent steps",
                                   bounds=">= 1")
    target_update_period: int = param(0, source="Mnih 2013 (no target network; spragunr run_nips.py "
                                                "FREEZE_INTERVAL=-1)", unit="updates", bounds=">= 0")
    clip_delta: float = param(0.0, source="Mnih 2013 (error clipping introduced in Mnih 2015)", bounds=">= 0")
    update_period: int = param(1, source="Mnih 2013 Algorithm 1 (one update per agent step)",
                               unit="agent steps per update", bounds=">= 1")
    replay_start: int = param(50_000, source="not in Mnih 2013; Nature's value", unit="agent steps", bounds=">= 1")
    learning_rate: float = param(2.5e-4, source="not in Mnih 2013 (UNVERIFIED); Nature's value",
                                 unit="per update", bounds="> 0")


NIPS2013 = "nips2013"
DOPA = "google/dopamine@5873f5494e"
DOPA_GIN = f"{DOPA} dopamine/tf/agents/dqn/configs/dqn.gin"
DOPA_AGENT = f"{DOPA} dopamine/tf/agents/dqn/dqn_agent.py"
DOPA_LIB = f"{DOPA} dopamine/discrete_domains/atari_lib.py"
DOPAMINE = ("CPU scale (2 shared cores, ~85 updates/s): the schedule of Dopamine's DQN, which shows "
            "learning on Pong within 3M frames (google/dopamine dqn_nature.gin / dqn.gin):")
PROFILES = {
    "nature": Profile("Mnih et al. 2015 (Nature), exact: Ext. Data Table 1"),
    "paper": Profile("alias of 'nature'"),
    NIPS2013: Profile("Mnih et al. 2013 (NIPS workshop): its network, crop, no target network"),
    "dopamine": Profile(
        "Dopamine's published DQN experiment (google/dopamine dqn.gin, legacy TF agent), exact",
        {"screen": "dopamine", "network": "dopamine", "sticky_action_prob": 0.25, "noop_max": 0,
         "terminal_on_life_loss": False, "total_agent_steps": 50_000_000, "replay_start": 20_000,
         "target_update_period": 8_000, "target_update_unit": "agent_steps", "rms_epsilon": 1e-5,
         "rms_initial_mean_square": 1.0, "loss_reduction": "mean", "eps_end": 0.01,
         "eps_decay_steps": 250_000, "eval_epsilon": 0.001, "eval_episodes": 5,
         "eval_episode_frames": 108_000},
        {"screen": f"{DOPA_LIB} AtariPreprocessing: ALE grayscale frames, max of the last two, "
                   "cv2.INTER_AREA to 84x84",
         "network": f"{DOPA} dopamine/discrete_domains/legacy_networks.py NatureDQNNetwork: 'same' "
                    "padding, Keras default initialisers",
         "sticky_action_prob": f"{DOPA_GIN} create_atari_environment.sticky_actions = True; "
                               f"{DOPA_LIB}: repeat_action_probability 0.25 (NoFrameskip-v0 in the "
                               "legacy gym path)",
         "noop_max": f"{DOPA_LIB}: no no-op starts (sticky actions supply the randomness)",
         "terminal_on_life_loss": f"{DOPA_LIB} AtariPreprocessing(terminal_on_life_loss=False)",
         "total_agent_steps": f"{DOPA_GIN} Runner.num_iterations = 200 x Runner.training_steps = "
                              "250000 (200M frames; iterations run to the end of their last game)",
         "replay_start": f"{DOPA_GIN} DQNAgent.min_replay_history = 20000",
         "target_update_period": f"{DOPA_GIN} DQNAgent.target_update_period = 8000 (agent steps)",
         "target_update_unit": f"{DOPA_AGENT} _train_step: training_steps % target_update_period, "
                               "training_steps counting agent steps",
         "rms_epsilon": f"{DOPA_GIN} tf.train.RMSPropOptimizer.epsilon = 0.00001 (centered, decay "
                        "0.95, momentum 0, lr 0.00025 as Nature)",
         "rms_initial_mean_square": "TF1 RMSPropOptimizer (tensorflow/python/training/rmsprop.py "
                                    "_create_slots: the 'rms' slot starts at ones)",
         "loss_reduction": f"{DOPA_AGENT} _build_train_op: reduce_mean of the per-transition Huber "
                           "loss (delta 1)",
         "eps_end": f"{DOPA_GIN} DQNAgent.epsilon_train = 0.01",
         "eps_decay_steps": f"{DOPA_GIN} DQNAgent.epsilon_decay_period = 250000 (after "
                            "min_replay_history, linearly_decaying_epsilon)",
         "eval_epsilon": f"{DOPA_GIN} DQNAgent.epsilon_eval = 0.001",
         "eval_episodes": "Dopamine evaluates for Runner.evaluation_steps = 125000 agent steps per "
                          "iteration; ours plays 5 games: the compared metric is the training "
                          "games' return, which the evaluation phase does not touch",
         "eval_episode_frames": f"{DOPA_GIN} Runner.max_steps_per_episode = 27000 agent steps"}),
    "cpu": Profile(
        "Pong with the Nature learner, sized for a 2-core CPU (3M frames, about an hour)",
        {"total_agent_steps": 750_000, "replay_capacity": 100_000, "replay_start": 20_000,
         "eps_decay_steps": 250_000, "target_update_period": 2_000,
         "eval_period": 125_000, "eval_episodes": 5, "checkpoint_period": 125_000,
         "precision": "mixed_bfloat16"},
        {"total_agent_steps": "3M frames (about an hour of this CPU at ~850 frames/s) instead of 50M",
         "replay_capacity": "0.7 GB instead of 7 GB of RAM on a shared 24 GB machine (and in each "
                            "checkpoint); the run is 17x shorter than the paper's",
         "replay_start": DOPAMINE + " min_replay_history=20000",
         "eps_decay_steps": DOPAMINE + " epsilon_decay_period=250000 (4x shorter than the paper's)",
         "target_update_period": DOPAMINE + " target_update_period=8000 agent steps = 2,000 updates",
         "eval_period": "a point every 500k frames on a 3M-frame run",
         "eval_episodes": "5 instead of 30 episodes per periodic evaluation (CPU time); the final "
                          "evaluate.py run uses 30",
         "checkpoint_period": "checkpoints every ~10 min of CPU time",
         "precision": "Keras mixed_bfloat16 (variables and the Q-value layer in float32) makes the "
                      "isolated train step 1.4x faster on this 2-core CPU (measured with "
                      "papers/dqn/benchmark.py --precision); --set precision=float32 restores the "
                      "paper's arithmetic"}),
    "cartpole": Profile(
        "algorithm check: CartPole-v1 with a 64-64 MLP torso, same agent/replay/loss code",
        {"env": "CartPole-v1", "network": "mlp", "precision": "float32", "history_length": 1,
         "action_repeat": 1, "noop_max": 0, "clip_reward": False, "terminal_on_life_loss": False,
         "total_agent_steps": 50_000, "replay_capacity": 50_000, "replay_start": 1_000,
         "update_period": 1, "target_update_period": 200, "batch_size": 64, "optimizer": "adam",
         "learning_rate": 5e-4, "loss_reduction": "mean", "eps_end": 0.02, "eps_decay_steps": 10_000,
         "eval_epsilon": 0.0, "eval_period": 2_500, "eval_episodes": 100, "eval_episode_frames": 500,
         "train_episode_frames": 500, "checkpoint_period": 10_000, "log_period": 1_000,
         "solved_eval_return": 195.0}),
    "smoke": Profile(
        "seconds-long run for tests",
        {"total_agent_steps": 300, "replay_capacity": 1_000, "replay_start": 100, "batch_size": 4,
         "eps_decay_steps": 100, "target_update_period": 10, "eval_period": 200, "eval_episodes": 1,
         "eval_episode_frames": 400, "train_episode_frames": 2_000, "checkpoint_period": 150,
         "log_period": 50, "noop_max": 3}),
}


def action_repeat(cfg) -> int:
    """Emulator frames per agent step: the config's value, or Mnih 2013's per-game choice (3 for
    Space Invaders, 4 otherwise) where the config leaves it to the game (action_repeat=None)."""
    if cfg.action_repeat is not None:
        return cfg.action_repeat
    from common.atari import game_id
    return 3 if game_id(cfg.env) == "space_invaders" else 4


def config_class(profile: str):
    """The dataclass whose defaults are the paper values behind `profile`."""
    return Nips2013Config if profile == NIPS2013 else NatureConfig

