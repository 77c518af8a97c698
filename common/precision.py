"""The arithmetic a run trains in: float32 means float32 on every device.

Papers pick their compute dtype per layer (`dtype="mixed_bfloat16"` on the layers that may run
in bfloat16; variables stay float32). On NVIDIA Ampere and later GPUs TensorFlow runs float32
matrix multiplications and convolutions in TensorFloat-32 (a 10-bit mantissa) unless told not
to, so a float32 config would silently train at lower precision there. `set_precision` turns
TF32 off under "float32" and leaves TensorFlow's default (on) under "mixed_bfloat16", whose
float32 parts are outside the exactness claim anyway. Call it before building any model.
"""

from __future__ import annotations

PRECISIONS = ("float32", "mixed_bfloat16")


def set_precision(policy: str) -> None:
    """Make `policy` ("float32" or "mixed_bfloat16") the arithmetic of this process's TF ops."""
    if policy not in PRECISIONS:
        raise ValueError(f"unknown precision {policy!r}; choose one of: {', '.join(PRECISIONS)}")
    import tensorflow as tf
    tf.config.experimental.enable_tensor_float_32_execution(policy != "float32")
