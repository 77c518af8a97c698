"""Configs of End-To-End Memory Networks (Sukhbaatar, Szlam, Weston, Fergus, NIPS 2015).

`BabiConfig` (Sec. 4, Table 1) and `LMConfig` (Sec. 5, Table 2). Defaults ARE the paper's
values; where the paper text and the official code (facebook/MemNN: `MemN2N-babi-matlab/`,
`MemN2N-lang-model/`) differ, the field says which one we run, cites both and records the
other as `paper=` with a reason. The other choice stays selectable with `--set`.

bAbI variants of Table 1 are named (`VARIANTS`): bow, pe, pe_ls, pe_ls_rn (the default: the
paper's best single-task model, which is also the official config), lw, joint. They are
applied on top of a profile by `python -m papers.memn2n.train --variant NAME`.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.config import Profile, param

P = "Sukhbaatar 2015"
CODE = "official MemN2N-babi-matlab"
LMCODE = "official MemN2N-lang-model (Torch)"


@dataclass(frozen=True)
class BabiConfig:
    # ---- data
    data_set: str = param("en", source=f"{P}, Sec. 4 (1k training questions per task; 10k in Sec. 4.2 / Table 1 bottom)",
                          choices=("en", "en-10k"), help="bAbI v1.2 training set: en (1k) or en-10k", selects=True)
    task: int = param(1, source=f"{P}, Sec. 4", unit="bAbI task id",
                      help="1..20 for single-task training; 0 = joint training on all 20 tasks", selects=True,
                      bounds="[0, 20]")
    memory_size: int = param(50, source=f"{P}, Sec. 4.2 ('the 50 most recent sentences'); {CODE} config_babi.m sz",
                             unit="sentences", bounds=">= 1")
    val_fraction: float = param(0.1, source=f"{P}, Sec. 4.2 (10% of the bAbI training set held out); {CODE} config_babi.m",
                                unit="fraction of training questions", bounds="(0, 1)")
    val_split: str = param("last", source=f"{CODE}: config_babi.m takes the last 10%, config_babi_joint.m a random 10%",
                           choices=("last", "random"))
    # ---- model
    embedding_dim: int = param(20, source=f"{P}, Sec. 4.4 (d = 20 for independent training); "
                                          f"{CODE} config_babi.m input_dim",
                               unit="dimensions", bounds=">= 1")
    hops: int = param(3, source=f"{P}, Sec. 4.1 (K = 3 hops unless stated otherwise)", unit="hops", bounds=">= 1")
    sentence_repr: str = param("pe", source=f"{P}, Sec. 4.1 (BoW, Position Encoding)", choices=("bow", "pe"))
    pe_formula: str = param("code", source=f"{P}, Sec. 4.1: l_kj = (1 - j/J) - (k/d)(1 - 2j/J), J = words in the sentence; "
                                           f"{CODE} build_model.m: l_kj = 1 + 4(k - (d+1)/2)(j - (J+1)/2)/(dJ), "
                                           f"J = longest sentence + 1 (the time word weighted too)",
                            choices=("paper", "code"), paper="paper",
                            reason="the official code, which produced Table 1, uses its own formula (the author: the "
                                   "difference is 'not intentional', facebookarchive/MemNN issue #13); 1k PE LS RN with the "
                                   "paper's formula: mean error 17.30% against 13.23% with the code's (ablation in README)")
    temporal_encoding: bool = param(True, source=f"{P}, Sec. 4.1 (T_A, T_C); {CODE} enable_time=true")
    tying: str = param("adjacent", source=f"{P}, Sec. 2.2 (adjacent: A^(k+1)=C^k, B=A^1, W^T=C^K; "
                                          f"layer-wise: shared A, C and linear H)", choices=("adjacent", "layerwise"))
    init_std: float = param(0.1, source=f"{P}, Sec. 4.2 (N(0, 0.1)); {CODE} nn/Weight.m 0.1*randn",
                            unit="standard deviation", bounds=">= 0")
    # ---- training
    batch_size: int = param(32, source=f"{P}, Sec. 4.2 (batch 32, cost summed, not averaged)", unit="questions",
                            bounds=">= 1")
    epochs: int = param(100, source=f"{P}, Sec. 4.2 (100 epochs); {CODE} config_babi.m nepochs",
                        unit="epochs (after the linear-start phase)", bounds=">= 1")
    lr: float = param(0.01, source=f"{P}, Sec. 4.2 (eta = 0.01)", unit="SGD step size (loss summed over the batch)",
                      bounds="> 0")
    lr_decay_every: int = param(25, source=f"{P}, Sec. 4.2 (eta/2 every 25 epochs); {CODE} train.m mod(ep,25)==0",
                                unit="epochs", bounds=">= 1")
    max_grad_norm: float = param(40.0, source=f"{P}, Sec. 4.2 (gradients with l2 norm > 40 are rescaled to 40)",
                                 unit="l2 norm", bounds="> 0")
    clip_mode: str = param("per_matrix", source=f"{P}, Sec. 4.2 ('l2 norm'); {CODE} nn/Weight.m clips each weight matrix "
                                                f"by Matlab norm() = its largest singular value; vinhkhuc port (which "
                                                f"reproduces Table 1): each matrix's Frobenius norm",
                           choices=("per_matrix", "per_matrix_spectral", "global"),
                           help="per_matrix: each weight matrix by its Frobenius norm; per_matrix_spectral: by its "
                                "spectral norm (the Matlab code); global: all parameters together")
    linear_start: bool = param(True, source=f"{P}, Sec. 4.2 (LS: softmax in each memory layer removed, then re-inserted)")
    ls_epochs: int = param(20, source=f"{CODE} config_babi.m ls_nepochs=20 (paper: until the validation loss stops "
                                      f"decreasing)", unit="epochs", bounds=">= 0")
    ls_lr: float = param(0.005, source=f"{P}, Sec. 4.2 (LS initial eta = 0.005); {CODE} ls_init_lrate=0.01/2, "
                                       f"and init_lrate=0.01/2 so the softmax phase also starts at 0.005",
                         unit="SGD step size",
                         help="step size of the LS phase and the start of the softmax phase after it", bounds="> 0")
    random_noise: float = param(0.1, source=f"{P}, Sec. 4.1 (RN: 10% empty memories added at training); "
                                            f"{CODE} train.m randomize_time=0.1 (gaps in the time indices)",
                                unit="fraction", bounds="[0, 1]")
    repeats: int = param(10, source=f"{P}, Sec. 4.2 (10 repeats, the one with the lowest training error kept)",
                         unit="independent runs", bounds=">= 1")
    xla: bool = param(True, source="implementation (XLA jit of the per-epoch loop; no effect on the maths)")
    checkpoint_every: int = param(20, source="implementation", unit="epochs", bounds=">= 1")


#: Table 1 columns. Each maps to the overrides of the fields above.
VARIANTS = {
    "pe_ls_rn": ({}, "Table 1 'PE LS RN' (the default config)"),
    "pe_ls": ({"random_noise": 0.0}, "Table 1 'PE LS' (no random noise)"),
    "pe": ({"random_noise": 0.0, "linear_start": False}, "Table 1 'PE' (no LS, no RN)"),
    "bow": ({"random_noise": 0.0, "linear_start": False, "sentence_repr": "bow"}, "Table 1 'BoW' (no LS, no RN)"),
    "lw": ({"tying": "layerwise"}, "Table 1 'LW' (PE LS RN with layer-wise tying and linear H)"),
    "joint": ({"task": 0, "embedding_dim": 50, "epochs": 60, "lr_decay_every": 15, "ls_epochs": 30,
               "val_split": "random"},
              "Table 1 'PE LS RN joint' (d = 50; official config_babi_joint.m: 60 epochs, eta/2 every 15, "
              "30 LS epochs, random 10% validation)"),
}

BABI_PROFILES = {
    "paper": Profile("the paper's values (official code where the text is silent)"),
    "cpu": Profile("the paper's full budget: a single bAbI task trains in seconds on 2 cores, so nothing is reduced"),
    "smoke": Profile("seconds-long run for tests", {"epochs": 2, "ls_epochs": 1, "repeats": 2, "xla": False,
                                                      "checkpoint_every": 1},
                     {"epochs": "smoke test", "ls_epochs": "smoke test", "repeats": "smoke test",
                      "xla": "skip XLA compile time in tests", "checkpoint_every": "exercise checkpoints"}),
}


@dataclass(frozen=True)
class LMConfig:
    """Penn Treebank language model (Sec. 5), per the official Torch code."""
    hidden: int = param(150, source=f"{P}, Table 2 (best PTB: 150 hidden); {LMCODE} edim", unit="dimensions",
                        bounds=">= 1")
    linear_dim: int = param(75, source=f"{P}, Sec. 5 (ReLU on half the units); {LMCODE} lindim=75", unit="dimensions",
                            bounds=">= 0")
    hops: int = param(7, source=f"{P}, Table 2 (best PTB: 7 hops)", unit="hops", bounds=">= 1")
    memory_size: int = param(200, source=f"{P}, Table 2 (best PTB: memory 200)", unit="words", bounds=">= 1")
    batch_size: int = param(128, source=f"{P}, Sec. 5.1 (batch 128); {LMCODE} batchsize", unit="windows", bounds=">= 1")
    lr: float = param(0.01, source=f"{P}, Sec. 5.1 (the QA tasks' procedure otherwise: eta = 0.01, Sec. 4.2); "
                                   f"{LMCODE} sdt", unit="SGD step size (NLL summed)",
                      bounds="> 0")
    lr_anneal: float = param(1.5, source=f"{P}, Sec. 5.1 (divided by 1.5 when the validation cost has not "
                                        "decreased after an epoch); "
                                        f"{LMCODE} (valid cost > 0.9999 x previous)", unit="divisor", bounds=">= 1")
    min_lr: float = param(1e-5, source=f"{P}, Sec. 5.1 (training ends when eta < 1e-5); {LMCODE}",
                          unit="SGD step size", bounds=">= 0")
    epochs: int = param(100, source=f"{P}, Sec. 5.1 ('after 50 epochs or so' eta falls below 1e-5); "
                                    f"{LMCODE} nepoch = 100 caps it", unit="epochs", bounds=">= 1")
    epoch_size: int = param(0, source=f"{LMCODE}: one epoch = ceil(train words / batch) random windows",
                            unit="updates per epoch (0 = the official size)", bounds=">= 0")
    max_grad_norm: float = param(50.0, source=f"{P}, Sec. 5.1 (clip 50); {LMCODE} maxgradnorm, one global norm",
                                 unit="l2 norm", bounds="> 0")
    init_std: float = param(0.05, source=f"{P}, Sec. 5.1 (N(0, 0.05)); {LMCODE} init_std", unit="standard deviation",
                            bounds=">= 0")
    init_query: float = param(0.1, source=f"{P}, Sec. 5 (constant query 0.1); {LMCODE} init_hid", unit="value",
                              bounds="any")
    eval_words: int = param(0, source="implementation: validation/test perplexity over the whole stream",
                            unit="words scored (0 = the whole stream)", bounds=">= 0")
    xla: bool = param(True, source="implementation (XLA jit of the train step; no effect on the maths)")
    checkpoint_every: int = param(1, source="implementation", unit="epochs", bounds=">= 1")

    def rules(self):
        """Relations between fields the code relies on (checked with every config, see common/config.py)."""
        return [(self.linear_dim <= self.hidden,
                 f"linear_dim {self.linear_dim} > hidden {self.hidden}: linear_dim of the hidden units skip "
                 f"the ReLU; lower linear_dim with --set")]


LM_PROFILES = {
    "paper": Profile("Table 2's best PTB model (150 hidden, 7 hops, memory 200), official training schedule"),
    "cpu": Profile("CPU-scale PTB run on 2 shared cores (about 25 minutes): Table 2's 150 hidden / 3 hops / "
                   "memory 100 row (paper test perplexity 122), 20,000 updates",
                   {"hops": 3, "memory_size": 100, "epochs": 10, "epoch_size": 2000},
                   {"hops": "CPU budget: Table 2's 3-hop row (150 / 3 / 100) instead of the best 7-hop model",
                    "memory_size": "CPU budget: Table 2's memory-100 row (150 / 3 / 100)",
                    "epochs": "CPU budget: 10 short epochs (the annealing rule still applies per epoch)",
                    "epoch_size": "CPU budget: 2,000 updates per epoch instead of about 7,300"}),
    "smoke": Profile("seconds-long run for tests",
                     {"hidden": 16, "linear_dim": 8, "hops": 2, "memory_size": 10, "batch_size": 8, "epochs": 2,
                      "epoch_size": 3, "eval_words": 300, "xla": False},
                     {}),
}
