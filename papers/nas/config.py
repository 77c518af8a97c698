"""Zoph & Le 2017, "Neural Architecture Search with Reinforcement Learning" (ICLR): the config.

One frozen dataclass holds both searches (CIFAR-10 CNN search, Sec. 3.1-3.3 / 4.1, and the PTB
recurrent-cell search, Sec. 3.4 / 4.2); `task` picks which. Defaults ARE the paper's values. The
paper's text was only reachable through secondary sources (a bilingual reading note of
arXiv:1611.01578, a blog copy, a CSDN quote of the training-details paragraph), cited as
"Zoph & Le 2017 Sec. X (via reading note)"; values the paper does not give are marked
"not in the paper" with the choice we made and why.

Profiles: `paper` (exact), `cpu` (a reduced search sized from the measured child cost on a
2-core machine, every reduction declared), `cpu_ptb` (its PTB search), `table` (the ground-truth
table of a reduced space, table.py, and the simulated searches on it, simulate.py), `smoke`
(seconds, for tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from common.config import Profile, param

SEC32 = "Zoph & Le 2017 Sec. 3.2 (via reading note)"
SEC41 = "Zoph & Le 2017 Sec. 4.1 (via reading note and CSDN quote)"
SEC42 = "Zoph & Le 2017 Sec. 4.2 (via reading note)"
NOT_IN_PAPER = "not in the paper"


@dataclass(frozen=True)
class NASConfig:
    task: str = param("cifar10", source="Zoph & Le 2017 Sec. 4.1 / 4.2", choices=("cifar10", "ptb"),
                      help="which search: CNN on CIFAR-10 or recurrent cell on PTB", selects=True)
    search: str = param("controller", source="Zoph & Le 2017 Sec. 4.1 control experiment",
                        choices=("controller", "random"),
                        help="controller = REINFORCE search; random = the paper's random-search control")

    # ---------------------------------------------------------------- controller (Sec. 3.1-3.2, 4.1)
    controller_layers: int = param(2, source=SEC41, unit="LSTM layers", bounds=">= 1")
    controller_units: int = param(35, source=SEC41, unit="hidden units per layer", bounds=">= 1")
    controller_init: float = param(0.08, source=SEC41, unit="U(-x, x) init range of every weight", bounds="> 0")
    controller_lr: float = param(6e-4, source=SEC41, unit="Adam step size (CIFAR-10 search)", bounds="> 0")
    ptb_controller_lr: float = param(5e-4, source=SEC42, unit="Adam step size (PTB search)", bounds="> 0")
    architectures_per_update: int = param(8, source=SEC32 + " (m in the estimator); Sec. 4.1 m = 8",
                                          unit="child architectures per controller update (m)", bounds=">= 1")
    baseline_decay: float = param(0.95, source=SEC32 + ": exponential moving average of previous "
                                  "rewards; the decay is " + NOT_IN_PAPER + " (our choice)",
                                  unit="EMA decay per child reward", bounds="[0, 1]")
    total_architectures: int = param(12800, source=SEC41, unit="child architectures sampled (budget)", bounds=">= 1")
    workers: int = param(800, source=SEC41 + ": 100 controller replicas x 8 children = 800 GPUs",
                         unit="children trained concurrently (Ray tasks); 0 = in-process, serial", bounds=">= 0")

    # ---------------------------------------------------------------- CNN search space (Sec. 3.1, 3.3)
    space: str = param("v1", source=SEC41 + " Table 1 rows", choices=("v1", "strides", "pooling"),
                       help="v1: no strides/pooling; strides: also predict stride h/w; pooling: "
                            "v1 plus fixed 2x2 max-pooling after the layers in pool_after")
    filter_heights: tuple[int, ...] = param((1, 3, 5, 7), source=SEC41, unit="pixels", bounds=">= 1")
    filter_widths: tuple[int, ...] = param((1, 3, 5, 7), source=SEC41, unit="pixels", bounds=">= 1")
    num_filters: tuple[int, ...] = param((24, 36, 48, 64), source=SEC41, unit="channels", bounds=">= 1")
    strides: tuple[int, ...] = param((1, 2, 3), source=SEC41 + " ('predicting strides' variant)",
                                     unit="pixels", bounds=">= 1")
    pool_after: tuple[int, ...] = param((13, 24), source="Zoph & Le 2017 Table 1 v3 (via blog copy)",
                                        unit="1-based layer indices", bounds=">= 1")
    start_layers: int = param(6, source=SEC41 + " (curriculum)", unit="conv layers", bounds=">= 1")
    layers_increment: int = param(2, source=SEC41 + " (curriculum)", unit="conv layers", bounds=">= 0")
    curriculum_every: int = param(1600, source=SEC41 + " (curriculum)", unit="sampled architectures", bounds=">= 1")

    # ---------------------------------------------------------------- CIFAR-10 child training (Sec. 4.1)
    train_size: int = param(45000, source=SEC41, unit="training images of the child", bounds="[1, 45000]")
    val_size: int = param(5000, source=SEC41, unit="validation images (the reward's only data)", bounds="[1, 5000]")
    image_size: int = param(32, source="CIFAR-10", unit="pixels per side", bounds="[1, 32]")
    upsample_size: int = param(40, source=SEC41 + ": 'upsample then random 32x32 crop'; the "
                               "upsampled size is " + NOT_IN_PAPER + " (40 = 32 + 2x4, as with "
                               "the usual pad-4 crop)", unit="pixels per side", bounds=">= 1")
    child_epochs: int = param(50, source=SEC41, unit="epochs", bounds=">= 1")
    child_lr: float = param(0.1, source=SEC41, unit="SGD step size (initial, see child_lr_schedule)", bounds="> 0")
    child_lr_schedule: str = param("constant", source=SEC41 + " (no schedule is given for the children)",
                                   choices=("constant", "cosine"),
                                   help="constant: child_lr throughout; cosine: child_lr decayed to 0 over the "
                                        "child's training steps")
    child_momentum: float = param(0.9, source=SEC41, unit="Nesterov momentum", bounds="[0, 1)")
    child_weight_decay: float = param(1e-4, source=SEC41 + "; which weights decay is " + NOT_IN_PAPER
                                      + " (every conv and softmax kernel; batch-norm scales and offsets "
                                      "not: our choice)", unit="L2 coefficient: wd/2 ||w||^2 added to the "
                                      "loss, so the gradient wd w goes through the momentum", bounds=">= 0")
    bn_stat_images: int = param(0, source=NOT_IN_PAPER + ": the paper's children keep batch norm's "
                                "moving averages (momentum not given; Keras' 0.99 here)",
                                unit="training images on which every batch-norm layer's moving mean and "
                                     "variance are recomputed before each evaluation; 0 = keep the moving "
                                     "averages", bounds=">= 0")
    child_batch: int = param(128, source=NOT_IN_PAPER + " (common CIFAR-10 choice)", unit="images", bounds=">= 1")
    reward_last_epochs: int = param(5, source=SEC41 + ": reward = (max val acc of last 5 epochs)^3",
                                    unit="epochs", bounds=">= 1")
    reward_power: float = param(3.0, source=SEC41, unit="exponent on validation accuracy", bounds="> 0")
    final_epochs: int = param(50, source=SEC41 + ": the best child is then trained to convergence "
                              "after a small grid search (not reproduced; we retrain once)",
                              unit="epochs", bounds=">= 1")
    final_train_size: int = param(45000, source=NOT_IN_PAPER + " (the training split; the paper "
                                  "does not say whether validation images join the final training)",
                                  unit="training images of the final retraining", bounds="[1, 45000]")
    child_max_seconds: float = param(0.0, source=NOT_IN_PAPER + " (safety net)", unit="seconds; "
                                     "0 = no limit; a child over it returns a recorded failure", bounds=">= 0")

    # ---------------------------------------------------------------- recurrent cell search (Sec. 3.4, 4.2)
    cell_base: int = param(8, source=SEC42, unit="leaves of the cell's tree", bounds=">= 2")
    ptb_hidden: int = param(650, source=SEC42 + ": size of Zaremba et al.'s 'medium' model",
                            unit="units per RNN layer (and embedding size)", bounds=">= 1")
    ptb_layers: int = param(2, source=SEC42, unit="RNN layers", bounds=">= 1")
    ptb_epochs: int = param(35, source=SEC42, unit="epochs", bounds=">= 1")
    ptb_batch: int = param(20, source=NOT_IN_PAPER + "; Zaremba et al. 2014 medium", unit="sequences", bounds=">= 1")
    ptb_bptt: int = param(35, source=NOT_IN_PAPER + "; Zaremba et al. 2014 medium", unit="tokens", bounds=">= 1")
    ptb_lr: float = param(1.0, source=NOT_IN_PAPER + "; Zaremba et al. 2014 medium", unit="SGD step size", bounds="> 0")
    ptb_clip: float = param(5.0, source=NOT_IN_PAPER + "; Zaremba et al. 2014 medium",
                            unit="global gradient-norm clip", bounds="> 0")
    ptb_dropout: float = param(0.5, source=SEC42 + " (embedding/output dropout; rate from Zaremba "
                               "et al. 2014 medium)", unit="drop probability", bounds="[0, 1)")
    ptb_train_tokens: int = param(0, source="PTB train set", unit="tokens; 0 = all 929k", bounds=">= 0")
    ptb_val_tokens: int = param(0, source="PTB valid set", unit="tokens; 0 = all 73k", bounds=">= 0")
    ppl_reward_c: float = param(80.0, source=SEC42 + ": reward c / ppl^2, c 'usually 80' (UNVERIFIED)",
                                unit="reward numerator", bounds="> 0")

    # ---------------------------------------------------------------- bookkeeping
    checkpoint_every_updates: int = param(1, source="ours", unit="controller updates", bounds=">= 1")

    def rules(self):
        """Relations between fields the code relies on (checked with every config, see common/config.py)."""
        return [
            (32 % self.image_size == 0,
             f"image_size {self.image_size} must divide 32 (CIFAR-10 images are average-pooled by an "
             f"integer factor); use 32, 16, 8, ... with --set"),
            (self.upsample_size >= self.image_size,
             f"upsample_size {self.upsample_size} < image_size {self.image_size}: the augmentation crops "
             f"image_size pixels out of the upsampled image; raise upsample_size with --set"),
            (self.reward_last_epochs <= self.child_epochs,
             f"reward_last_epochs {self.reward_last_epochs} > child_epochs {self.child_epochs}: the reward "
             f"looks at the last epochs of a child's training; lower it with --set"),
            (self.cell_base & (self.cell_base - 1) == 0,
             f"cell_base {self.cell_base} must be a power of two (the cell is a binary tree over its "
             f"leaves); use 2, 4, 8, ... with --set"),
        ]


# ---------------------------------------------------------------------------- profiles

_BN_REASON = ("a CPU-scale child trains ~155 steps: batch norm's moving averages (momentum 0.99) would "
              "still hold 0.99^155 = 21% of their initial values at the last validation; recomputing the "
              "statistics on 512 (unaugmented) training images under the current weights ('precise BN', "
              "Wu & Johnson 2021) removes that error at the cost of one forward pass")

_CPU_REASON = ("2 shared CPU cores instead of 800 GPUs: a CPU-scale search sized from the measured "
               "child cost (benchmark.py) -- a reduced search, not the paper's")

PROFILES = {
    "paper": Profile("the paper's values (800 GPUs for ~4 weeks)"),
    "cpu": Profile(
        _CPU_REASON,
        {"total_architectures": 200, "workers": 2, "architectures_per_update": 4,
         "controller_lr": 0.015, "ptb_controller_lr": 0.015, "baseline_decay": 0.8,
         "train_size": 2000, "val_size": 1000, "image_size": 16, "upsample_size": 20,
         "num_filters": (6, 9, 12, 16), "start_layers": 4, "curriculum_every": 100000,
         "child_epochs": 5, "child_batch": 64, "final_epochs": 30, "final_train_size": 10000,
         "child_max_seconds": 120.0, "bn_stat_images": 512,
         "ptb_hidden": 48, "ptb_epochs": 1, "ptb_train_tokens": 40000, "ptb_val_tokens": 8000,
         "ptb_bptt": 20, "ptb_batch": 20},
        {"total_architectures": "200 children (~25 min per search on 2 shared cores at the measured ~10 s per child per worker)",
         "workers": "2 CPU cores: one Ray worker per core",
         "architectures_per_update": "with only a few hundred children, m = 4 gives more updates",
         "controller_lr": "50 updates instead of the paper's 1,600: a step size giving about the "
                          "same total Adam movement (1,600 x 6e-4 ~ 50 x 0.015 ~ 1)",
         "ptb_controller_lr": "same reason as controller_lr",
         "baseline_decay": "few hundred rewards: a faster-tracking baseline",
         "train_size": "child cost: a 2,000-image subset of the 45,000 training images",
         "val_size": "child cost: 1,000 of the 5,000 validation images",
         "image_size": "child cost: images average-pooled 2x2 to 16x16",
         "upsample_size": "16 + 2x2, as 40 = 32 + 2x4",
         "num_filters": "child cost: the paper's choices divided by 4",
         "start_layers": "child cost: 4 layers; the curriculum is not reached at this budget",
         "curriculum_every": "no curriculum step within a few hundred children",
         "child_epochs": "child cost: 5 epochs (still >= the 5 epochs the reward looks at)",
         "child_batch": "smaller subset: more steps per epoch",
         "final_epochs": "the best child's retraining, CPU-sized",
         "final_train_size": "the best child's retraining, CPU-sized",
         "child_max_seconds": "a stuck child becomes a recorded failure",
         "bn_stat_images": _BN_REASON,
         "ptb_hidden": "child cost", "ptb_epochs": "child cost",
         "ptb_train_tokens": "child cost: the first 40k training tokens",
         "ptb_val_tokens": "child cost: the first 8k validation tokens",
         "ptb_bptt": "child cost", "ptb_batch": "child cost"}),
    "smoke": Profile(
        "seconds-long run for tests",
        {"total_architectures": 6, "workers": 0, "architectures_per_update": 2,
         "train_size": 64, "val_size": 32, "image_size": 8, "upsample_size": 10,
         "num_filters": (2, 3, 4, 5), "start_layers": 3, "layers_increment": 1, "curriculum_every": 4,
         "child_epochs": 1, "child_batch": 32, "reward_last_epochs": 1, "final_epochs": 1, "final_train_size": 64,
         "bn_stat_images": 32,
         "ptb_hidden": 8, "ptb_epochs": 1, "ptb_train_tokens": 800, "ptb_val_tokens": 400,
         "ptb_bptt": 10, "ptb_batch": 4, "cell_base": 2}),
}

PROFILES["cpu_ptb"] = Profile(
    "the CPU-scale PTB cell search: the cpu profile with task=ptb and 60 children",
    {**PROFILES["cpu"].overrides, "task": "ptb", "total_architectures": 60, "child_max_seconds": 600.0},
    {**PROFILES["cpu"].reasons, "task": "the PTB search (Sec. 4.2) instead of the CIFAR-10 one",
     "total_architectures": "60 children: what fits the CPU budget left after the CIFAR-10 "
                            "searches on the shared machine (measured ~20 s per PTB child per worker)",
     "child_max_seconds": "PTB children on a loaded machine can take minutes; only a stuck one fails"})

PROFILES["table"] = Profile(
    "the ground-truth table of a reduced CNN space (table.py) and the simulated searches on it (simulate.py)",
    {**PROFILES["cpu"].overrides, "start_layers": 2, "filter_heights": (1, 3, 5), "filter_widths": (1, 3, 5),
     "num_filters": (8, 16, 32), "train_size": 4000, "val_size": 5000, "reward_last_epochs": 1,
     "child_lr_schedule": "cosine"},
    {**PROFILES["cpu"].reasons,
     "total_architectures": "the simulated searches' budget: 200 sampled architectures, 14% of the table's "
                            "1,458 (a search budget well below the space size, as the paper's 12,800 children "
                            "are a vanishing part of its space)",
     "start_layers": "the table's space: 2 conv layers (27 x 27 x 2 = 1,458 architectures: at least 1,000, "
                     "few enough to train every one from 2 seeds within ~3 h on 2 cores)",
     "filter_heights": "the paper's {1, 3, 5, 7} without 7 (wider than half of a 16-pixel image)",
     "filter_widths": "the paper's {1, 3, 5, 7} without 7 (wider than half of a 16-pixel image)",
     "num_filters": "3 counts spanning 4x (the paper's 24-64 spans 2.7x), CPU-sized",
     "train_size": "child cost: 4,000 of the 45,000 training images; measured 3.8 CPU-s per child (1 thread), "
                   "so the 2,916 children of the table take ~2 h on 2 cores",
     "val_size": "the paper's 5,000 (the cpu profile's 1,000 add a sampling noise of 0.015 to every score)",
     "child_lr_schedule": "a 5-epoch child ends far from convergence: at a constant lr 0.1 its last-epoch "
                          "score swings with the last steps (measured seed noise 0.012 on 6 architectures); "
                          "decaying the lr to 0 over the child's steps halves it (0.007)",
     "reward_last_epochs": "the last epoch's validation accuracy: with 5 epochs the paper's max over the "
                           "last 5 would be a max over the whole, unconverged run (noisier and biased up)"})


def controller_lr(cfg: NASConfig) -> float:
    """Adam step size of the controller for the configured task (Sec. 4.1 vs 4.2)."""
    return cfg.controller_lr if cfg.task == "cifar10" else cfg.ptb_controller_lr
