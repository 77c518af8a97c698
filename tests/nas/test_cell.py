"""Zoph & Le 2017 Sec. 3.4: the recurrent-cell search space and its compiler (papers/nas/networks.py)."""

import keras
import numpy as np
import pytest

from papers.nas.networks import NASTreeCell, build_ptb_lm
from papers.nas.search_space import cell_steps, decode_cell, random_actions, tree_children


def test_base8_tree_shape():
    nodes = tree_children(8)
    assert len(nodes) == 15 and nodes[:8] == [None] * 8
    assert nodes[8] == (0, 1) and nodes[11] == (6, 7) and nodes[12] == (8, 9) and nodes[14] == (12, 13)
    assert len(cell_steps(8)) == 15 * 2 + 4
    with pytest.raises(ValueError):
        tree_children(6)


def test_cell_compiler_reproduces_the_papers_lstm_like_example():
    """Fig. 5 (base 2): a0 = tanh(W1 x + W2 h); a1 = ReLU((W3 x) * (W4 h)); c_{t-1} injected into
    node 0 with add/ReLU: a0' = ReLU(a0 + c_{t-1}); a2 = sigmoid(a0' * a1) = h_t;
    c_t = node 1 before its activation = (W3 x) * (W4 h)."""
    # node0 add/tanh, node1 elem_mult/relu, node2 elem_mult/sigmoid, inject node 0 add/relu, c_t = node 1
    arch = decode_cell(2, [0, 1, 1, 3, 1, 2, 0, 0, 3, 1])
    assert (arch.inject_node, arch.inject_combination, arch.inject_activation, arch.cell_index) == (0, "add", "relu", 1)
    units, dim = 4, 3
    cell = NASTreeCell(arch, units, seed=5)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, dim)).astype("float32")
    h, c = (rng.normal(size=(2, units)).astype("float32") for _ in range(2))
    h_new, (h_state, c_new) = cell(x, [h, c])
    w, u = cell.w.numpy(), cell.u.numpy()
    w1, w3 = w[:, :units], w[:, units:]
    w2, w4 = u[:, :units], u[:, units:]
    sigmoid = lambda z: 1 / (1 + np.exp(-z))   # noqa: E731
    a0 = np.maximum(np.tanh(x @ w1 + h @ w2) + c, 0)
    a1 = np.maximum((x @ w3) * (h @ w4), 0)
    np.testing.assert_allclose(h_new.numpy(), sigmoid(a0 * a1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h_state.numpy(), h_new.numpy())
    np.testing.assert_allclose(c_new.numpy(), (x @ w3) * (h @ w4), rtol=1e-5, atol=1e-6)


def test_input_and_recurrent_matrices_start_independent():
    """W (x_t) and U (h_{t-1}) are separate U(-0.1, 0.1) draws, also when x_t and h_{t-1} have
    the same width, and two layers' cells differ."""
    arch = decode_cell(8, random_actions(cell_steps(8), np.random.default_rng(1)))
    model = build_ptb_lm(arch, vocab=11, hidden=5, num_layers=2, dropout=0.5)
    cells = [model.get_layer(f"rnn{k}").cell for k in range(2)]
    for cell in cells:
        assert cell.w.shape == cell.u.shape and not np.allclose(cell.w.numpy(), cell.u.numpy())
        assert np.abs(cell.w.numpy()).max() <= 0.1
    assert not np.allclose(cells[0].w.numpy(), cells[1].w.numpy())
    keras.backend.clear_session()


def test_random_base8_cells_run_in_a_language_model():
    rng = np.random.default_rng(0)
    for _ in range(3):
        arch = decode_cell(8, random_actions(cell_steps(8), rng))
        model = build_ptb_lm(arch, vocab=11, hidden=5, num_layers=2, dropout=0.5)
        states = [np.zeros((2, 5), "float32")] * 4
        logits, *new_states = model([np.ones((2, 7), "int32")] + states)
        assert logits.shape == (2, 7, 11) and len(new_states) == 4
        assert np.isfinite(logits.numpy()).all()
    keras.backend.clear_session()
