"""Test-wide setup: CPU only, Keras on TensorFlow, quiet logs, and a fixed seed per test."""

import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed_everything():
    from common.seeding import seed_everything
    seed_everything(1234)
    yield
