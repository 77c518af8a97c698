"""Data for End-To-End Memory Networks (Sukhbaatar et al. 2015): bAbI v1.2 and Penn Treebank.

bAbI (Sec. 4): each line is `ID text`; a question line is `ID question<TAB>answer<TAB>ids` and
the ID going back to 1 starts a new story. A question sees every statement of its story that
came before it (questions are not stored in memory); the memory keeps the 50 most recent ones
(Sec. 4.2, official `train.m`: `offset = max(0, size(d,2) - config.sz)`). Supporting-fact ids
are parsed but never used for training (weak supervision). Words are lower-cased and lose a
trailing '.' or '?' (official `parseBabiTask.m`).

Index layout of the vocabulary: 0 = nil (the padding word, kept at zero), 1..V-1 = words, then
(in the model) V..V+T-1 = the temporal-encoding "time words" T(1)..T(T) (official
`config_babi.m`: `voc_sz = length(dict) + config.sz`).

PTB (Sec. 5): Mikolov's preprocessed text, one sentence per line, `<eos>` appended to each line.
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from common.data import DataError, require

BABI_DIR = "babi/tasks_1-20_v1-2"
TASK_NAMES = {
    1: "single-supporting-fact", 2: "two-supporting-facts", 3: "three-supporting-facts",
    4: "two-arg-relations", 5: "three-arg-relations", 6: "yes-no-questions", 7: "counting",
    8: "lists-sets", 9: "simple-negation", 10: "indefinite-knowledge", 11: "basic-coreference",
    12: "conjunction", 13: "compound-coreference", 14: "time-reasoning", 15: "basic-deduction",
    16: "basic-induction", 17: "positional-reasoning", 18: "size-reasoning", 19: "path-finding",
    20: "agents-motivations",
}
NIL = "<nil>"


class BabiFormatError(ValueError):
    """A malformed bAbI line; the message is `file:line: what is wrong`."""


@dataclass(frozen=True)
class Example:
    """One bAbI question with the statements of its story that precede it (oldest first)."""
    story: tuple[tuple[str, ...], ...]
    question: tuple[str, ...]
    answer: str
    supporting: tuple[int, ...]   # indices into `story` (NOT used for training)
    task: int = 0


def _words(text: str) -> tuple[str, ...]:
    out = []
    for w in text.lower().split():
        if w[-1] in ".?":
            w = w[:-1]
        if w:
            out.append(w)
    return tuple(out)


def parse_babi(lines, source: str = "<string>", task: int = 0) -> list[Example]:
    """Parse bAbI v1.2 lines (an open file or a list of strings) into Examples."""
    examples: list[Example] = []
    story: list[tuple[str, ...]] = []
    line_to_sentence: dict[int, int] = {}
    last_id = 0
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        head, _, rest = line.partition(" ")
        if not head.isdigit() or not rest.strip():
            raise BabiFormatError(f"{source}:{lineno}: expected 'ID text', got {line[:60]!r}")
        line_id = int(head)
        if line_id == 1:
            story, line_to_sentence = [], {}
        elif line_id != last_id + 1:
            raise BabiFormatError(f"{source}:{lineno}: line id {line_id} follows {last_id} "
                                  f"(ids count up from 1 within a story)")
        last_id = line_id
        if "\t" in rest:
            fields = rest.split("\t")
            if len(fields) != 3 or not fields[1].strip():
                raise BabiFormatError(f"{source}:{lineno}: a question line needs "
                                      f"'question<TAB>answer<TAB>supporting ids'")
            try:
                support_ids = [int(s) for s in fields[2].split()]
                supporting = tuple(line_to_sentence[s] for s in support_ids)
            except (ValueError, KeyError):
                raise BabiFormatError(f"{source}:{lineno}: supporting fact ids {fields[2]!r} do "
                                      f"not name earlier statements of this story") from None
            examples.append(Example(tuple(story), _words(fields[0]), fields[1].strip().lower(),
                                    supporting, task))
        else:
            line_to_sentence[line_id] = len(story)
            story.append(_words(rest))
    return examples


def babi_files(data_set: str, task: int) -> tuple[str, str]:
    """Relative paths (under the data folder) of a task's train and test files."""
    if task not in TASK_NAMES:
        raise DataError(f"unknown bAbI task {task}; tasks are 1..20")
    stem = f"{BABI_DIR}/{data_set}/qa{task}_{TASK_NAMES[task]}"
    return f"{stem}_train.txt", f"{stem}_test.txt"


def load_babi(data_set: str, task: int) -> tuple[list[Example], list[Example]]:
    """(train, test) Examples of one task; DataError (one line) if a file is missing."""
    paths = require(*babi_files(data_set, task), download=False)
    out = []
    for path in paths:
        with open(path) as f:
            out.append(parse_babi(f, source=str(path), task=task))
    return out[0], out[1]


class Vocab:
    """Word <-> index; index 0 is the nil word. Built from the training data; an unseen word
    maps to nil (a zero embedding)."""

    def __init__(self, examples):
        words = set()
        for ex in examples:
            for s in ex.story:
                words.update(s)
            words.update(ex.question)
            words.add(ex.answer)
        self.words = [NIL] + sorted(words)
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def ids(self, words) -> list[int]:
        return [self.index.get(w, 0) for w in words]


@dataclass(frozen=True)
class Encoded:
    """bAbI questions as padded index arrays.

    stories [N, M, L] int32: the last <= M statements, oldest first, nil-padded at the end
    lengths [N] int32: how many memory slots hold a statement
    queries [N, L] int32, answers [N] int32, tasks [N] int32
    """
    stories: np.ndarray
    lengths: np.ndarray
    queries: np.ndarray
    answers: np.ndarray
    tasks: np.ndarray

    def __len__(self) -> int:
        return len(self.answers)

    def take(self, idx) -> "Encoded":
        return Encoded(self.stories[idx], self.lengths[idx], self.queries[idx],
                       self.answers[idx], self.tasks[idx])


def sentence_length(examples) -> int:
    return max(max((len(s) for ex in examples for s in ex.story), default=1),
               max(len(ex.question) for ex in examples))


def encode(examples, vocab: Vocab, memory_size: int, sentence_len: int) -> Encoded:
    n = len(examples)
    stories = np.zeros((n, memory_size, sentence_len), np.int32)
    queries = np.zeros((n, sentence_len), np.int32)
    lengths = np.zeros(n, np.int32)
    for i, ex in enumerate(examples):
        recent = ex.story[-memory_size:]
        lengths[i] = len(recent)
        for j, s in enumerate(recent):
            ids = vocab.ids(s)[:sentence_len]
            stories[i, j, :len(ids)] = ids
        q = vocab.ids(ex.question)[:sentence_len]
        queries[i, :len(q)] = q
    answers = np.array([vocab.index.get(ex.answer, 0) for ex in examples], np.int32)
    tasks = np.array([ex.task for ex in examples], np.int32)
    return Encoded(stories, lengths, queries, answers, tasks)


def split_validation(n: int, fraction: float, mode: str, rng: np.random.Generator):
    """(train_idx, val_idx): the last `fraction` of the questions (official single-task
    `config_babi.m`) or a random `fraction` (official joint `config_babi_joint.m`)."""
    n_train = int(np.floor((1.0 - fraction) * n))
    order = np.arange(n) if mode == "last" else rng.permutation(n)
    return np.sort(order[:n_train]), np.sort(order[n_train:])


def time_indices(lengths: np.ndarray, memory_size: int, noise: float,
                 rng: np.random.Generator | None) -> np.ndarray:
    """Temporal-encoding indices [N, M] (1 = the most recent statement, 0 = empty slot).

    Without noise slot j of a story with n statements gets n - j (official `train.m`:
    `(size(d,2):-1:1)`). Random Noise (RN, Sec. 4.1) draws nblank ~ U{0..ceil(noise*n)},
    a random permutation of 1..n+nblank, keeps the first n sorted descending and caps them
    at the memory size -- i.e. it inserts up to 10% gaps in the time indices (official `train.m`).
    """
    n_rows = len(lengths)
    slots = np.arange(memory_size)[None, :]
    valid = slots < lengths[:, None]
    if noise <= 0 or rng is None:
        return np.where(valid, lengths[:, None] - slots, 0).astype(np.int32)
    extra = int(np.ceil(noise * memory_size))
    width = memory_size + extra
    nblank = np.floor(rng.random(n_rows) * (np.ceil(noise * lengths) + 1)).astype(np.int64)
    pool = lengths + nblank                                   # draw from 1..n+nblank
    keys = rng.random((n_rows, width))
    keys[np.arange(width)[None, :] >= pool[:, None]] = np.inf
    chosen = np.argsort(keys, axis=1)                         # a random permutation of the pool
    first_n = np.where(slots < lengths[:, None], chosen[:, :memory_size] + 1, 0)
    desc = -np.sort(-first_n, axis=1)                         # sorted descending, zeros last
    times = np.minimum(desc, memory_size)
    return np.where(valid, times, 0).astype(np.int32)


@dataclass
class TaskData:
    """One training set ready for the model: the vocabulary, memory and sentence sizes, and the
    train / validation / test questions encoded."""
    vocab: Vocab
    memory_size: int
    sentence_len: int
    train: Encoded
    val: Encoded
    test: Encoded
    tasks: list[int]


def prepare(cfg, rng: np.random.Generator) -> TaskData:
    """Parse cfg.task (0: all 20) of cfg.data_set, build the vocabulary from the training data,
    encode, hold out the validation split."""
    tasks = list(range(1, 21)) if cfg.task == 0 else [cfg.task]
    train_ex, test_ex = [], []
    for t in tasks:
        tr, te = load_babi(cfg.data_set, t)
        train_ex += tr
        test_ex += te
    vocab = Vocab(train_ex)
    M = min(cfg.memory_size, max(len(ex.story) for ex in train_ex))      # official: min(50, story length)
    L = sentence_length(train_ex + test_ex)
    enc = encode(train_ex, vocab, M, L)
    tr_idx, val_idx = split_validation(len(enc), cfg.val_fraction, cfg.val_split, rng)
    return TaskData(vocab, M, L, enc.take(tr_idx), enc.take(val_idx), encode(test_ex, vocab, M, L), tasks)


# ------------------------------------------------------------------------------- PTB

def load_ptb() -> tuple[list[np.ndarray], list[str]]:
    """([train, valid, test] word-index streams, vocabulary); `<eos>` ends every line."""
    paths = require("ptb/ptb.train.txt", "ptb/ptb.valid.txt", "ptb/ptb.test.txt", download=False)
    vocab: dict[str, int] = {}
    streams = []
    for path in paths:
        ids = []
        with open(path) as f:
            for lineno, line in enumerate(f, start=1):
                for w in line.split() + ["<eos>"]:
                    if w not in vocab:
                        if path != paths[0]:
                            raise DataError(f"{path}:{lineno}: word {w!r} is not in the training "
                                            f"vocabulary (is this Mikolov's preprocessed PTB?)")
                        vocab[w] = len(vocab)
                    ids.append(vocab[w])
        streams.append(np.array(ids, np.int32))
    return streams, sorted(vocab, key=vocab.get)
