"""Zoph & Le 2017: CIFAR-10 and Penn Treebank for the child networks.

CIFAR-10 (Sec. 4.1): the 50,000 training images are split once (fixed seed) into 45,000 for
training children and 5,000 for validation; the validation split is the only data the
controller's reward sees. Preprocessing: per-channel whitening with the training split's mean
and std ("whitening"; the paper does not say per-channel or ZCA -- we use per-channel), then
augmentation: upsample, random crop back, random horizontal flip. The test set is read only by
`evaluate.py`: the full `test_batch` when present, else the first 1,000 test images
(`cifar10/test_first1000.npz`), labelled as such.

PTB: Mikolov's preprocessed text, words -> ids with `<eos>` at each line end.
"""

from __future__ import annotations

import functools
import pickle
from pathlib import Path

import numpy as np

from common.data import DataError, data_dir, require

CIFAR_TRAIN = [f"cifar10/cifar-10-batches-py/data_batch_{k}" for k in range(1, 6)]
CIFAR_TEST_FULL = "cifar10/cifar-10-batches-py/test_batch"
CIFAR_TEST_FIRST1000 = "cifar10/test_first1000.npz"
SPLIT_SEED = 12345   # fixed: every child and every run sees the same 45k / 5k split


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")
        return np.asarray(d[b"data"], np.uint8), np.asarray(d[b"labels"], np.int64)
    except Exception as e:  # noqa: BLE001 -- any parse failure means a malformed file
        raise DataError(f"{path} is not a CIFAR-10 python batch ({type(e).__name__}); "
                        f"re-download cifar-10-python.tar.gz") from None


def to_nhwc(flat: np.ndarray, image_size: int) -> np.ndarray:
    """[N, 3072] uint8 channel-major -> float32 [N, S, S, 3], average-pooled down to image_size."""
    x = flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float32)
    f = 32 // image_size
    if f * image_size != 32:
        raise ValueError(f"image_size must divide 32, got {image_size}")
    return x.reshape(-1, image_size, f, image_size, f, 3).mean(axis=(2, 4))


@functools.lru_cache(maxsize=1)
def _cifar10_train_raw(root: str) -> tuple[np.ndarray, np.ndarray]:
    """The 50,000 training images (uint8) and labels of the data folder `root`, read once."""
    xs, ys = zip(*(_read_batch(p) for p in require(*CIFAR_TRAIN)))
    return np.concatenate(xs), np.concatenate(ys)


def cifar10_split(cfg) -> dict[str, np.ndarray]:
    """train/val arrays (whitened float32 NHWC) of sizes cfg.train_size / cfg.val_size, taken
    from the paper's 45,000 / 5,000 split of the training set."""
    x, y = _cifar10_train_raw(str(data_dir()[0]))
    order = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    train_idx, val_idx = order[:45000][:cfg.train_size], order[45000:][:cfg.val_size]
    x_train, x_val = to_nhwc(x[train_idx], cfg.image_size), to_nhwc(x[val_idx], cfg.image_size)
    mean, std = x_train.mean(axis=(0, 1, 2)), x_train.std(axis=(0, 1, 2))
    return {"x_train": (x_train - mean) / std, "y_train": y[train_idx],
            "x_val": (x_val - mean) / std, "y_val": y[val_idx],
            "mean": mean.astype(np.float32), "std": std.astype(np.float32)}


def cifar10_test(image_size: int, mean: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """(images, labels, label): the full test set if present, else the first 1,000 test images."""
    root, _ = data_dir()
    if (root / CIFAR_TEST_FULL).exists():
        flat, y = _read_batch(require(CIFAR_TEST_FULL)[0])
        label = "CIFAR-10 test set (10,000 images)"
    else:
        with np.load(require(CIFAR_TEST_FIRST1000)[0]) as d:
            flat, y = d["images"], d["labels"].astype(np.int64)
        label = "first 1,000 CIFAR-10 test images"
    return (to_nhwc(flat, image_size) - mean) / std, y, label


def augment(x, upsample_size: int, seed):
    """Sec. 4.1 augmentation on a batch (tf), each image on its own: upsample, a random crop
    back to the original size at an offset drawn per image, a random horizontal flip per image."""
    import tensorflow as tf
    size = x.shape[1]
    x = tf.image.resize(x, (upsample_size, upsample_size))                  # [n, u, u, 3]
    n = tf.shape(x)[0]
    offsets = tf.random.stateless_uniform([n, 2], seed=seed, maxval=upsample_size - size + 1, dtype=tf.int32)
    rows = offsets[:, :1] + tf.range(size)                                   # [n, size]: image k's rows
    cols = offsets[:, 1:] + tf.range(size)                                   # [n, size]: image k's columns
    x = tf.gather(x, rows, axis=1, batch_dims=1)                             # [n, size, u, 3]
    x = tf.gather(x, cols, axis=2, batch_dims=1)                             # [n, size, size, 3]
    flip = tf.random.stateless_uniform([n, 1, 1, 1], seed=seed + 1) < 0.5
    return tf.where(flip, x[:, :, ::-1, :], x)


# ---------------------------------------------------------------------------- PTB

def ptb_ids(train_tokens: int = 0, val_tokens: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """(train ids, valid ids, vocabulary size); 0 tokens = the whole file."""
    train_path, valid_path = require("ptb/ptb.train.txt", "ptb/ptb.valid.txt")
    words = {}
    streams = []
    for path in (train_path, valid_path):
        toks = path.read_text().replace("\n", " <eos> ").split()
        if path is train_path:
            for w in toks:
                words.setdefault(w, len(words))
        unknown = {w for w in toks if w not in words}
        if unknown:
            raise DataError(f"{path} has words outside the training vocabulary (e.g. "
                            f"{sorted(unknown)[0]!r}); it is not Mikolov's PTB: re-download it")
        streams.append(np.array([words[w] for w in toks], np.int32))
    train, valid = streams
    return (train[:train_tokens] if train_tokens else train,
            valid[:val_tokens] if val_tokens else valid, len(words))


def batchify(ids: np.ndarray, batch: int) -> np.ndarray:
    """Zaremba et al.'s layout: [batch, T] with each row a contiguous stretch of the stream."""
    n = len(ids) // batch
    return ids[:n * batch].reshape(batch, n)
