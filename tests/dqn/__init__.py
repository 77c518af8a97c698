"""Tests of papers/dqn (Mnih et al. 2013, 2015)."""
