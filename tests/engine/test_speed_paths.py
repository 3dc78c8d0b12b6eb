"""The engine's two ways to choose (fused Numba kernel, NumPy passes) give identical results."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from peninsula.engine import kernels, vectorised
from peninsula.engine.draws import ChunkDraws
from peninsula.experiments.ensemble import run_ensemble

needs_numba = pytest.mark.skipif(not kernels.numba_available(),
                                 reason="numba is not installed (pip install 'peninsula[fast]')")


def _same(a, b):
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if field.name == "events":
            for column in dataclasses.fields(x):
                np.testing.assert_array_equal(getattr(x, column.name), getattr(y, column.name))
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert x == y, field.name


def _run(model, monkeypatch, kernel, n=300, seed=11):
    monkeypatch.setenv(kernels.ENGINE_ENV, kernel)
    return run_ensemble(model, n, seed, chunk_size=200, record_events=True)


@needs_numba
def test_fused_kernel_equals_numpy_passes(korea_model, monkeypatch):
    """24 months of the flagship, an election included: same events, same final state."""
    fused = _run(korea_model, monkeypatch, "fused")
    plain = _run(korea_model, monkeypatch, "numpy")
    assert fused.events.action.size > 10 * 300  # eventful enough to mean something
    _same(fused, plain)


@needs_numba
def test_fused_kernel_equals_numpy_passes_on_second_scenario(south_asia_model, monkeypatch):
    _same(_run(south_asia_model, monkeypatch, "fused", n=200, seed=5),
          _run(south_asia_model, monkeypatch, "numpy", n=200, seed=5))


@needs_numba
def test_fused_choices_match_month_by_month_on_stressed_states(korea_model):
    """States pushed to the gates' edges (limits hit exactly, cooldowns, wars) choose alike."""
    model, n = korea_model, 400
    rng = np.random.default_rng(3)
    state = vectorised.initial_state(model, n)
    limits = np.unique(model.relation_gate.points)
    state.relation = rng.choice(np.concatenate([limits, rng.uniform(-10, 10, 8)]),
                                size=state.relation.shape)
    state.rung = rng.choice([0.0, 2.5, 4.0, 6.0, 9.0], size=state.rung.shape)
    state.commitment = rng.choice([0.0, 0.3, 0.5, 1.0], size=state.commitment.shape)
    state.pending = rng.random(state.pending.shape) < 0.3
    state.last = rng.choice(np.array([-(10**6), 0, 5, 9], dtype=np.int32),
                            size=state.last.shape)
    government = vectorised.Government.start(model, n)
    uniforms = ChunkDraws(9, model.n_actors, n).next_month()
    for month in (0, 10, 23):
        fused = vectorised.Chooser(model, fused=True).choose(state, government, month, uniforms)
        plain = vectorised.Chooser(model, fused=False).choose(state, government, month,
                                                              uniforms)
        assert len(np.unique(fused)) > 10
        np.testing.assert_array_equal(fused, plain)


@needs_numba
def test_kernel_rank_is_the_interval_gate_rank(korea_model):
    """The kernel places a value among a gate's limits exactly as the NumPy gates do."""
    km = kernels.kernel_model(korea_model, [korea_model])
    for row, name in enumerate(kernels.GATES):
        gate = getattr(korea_model, name)
        values = np.concatenate([gate.points, gate.points + 1e-12, gate.points - 1e-12,
                                 [-1e9, 0.0, 1e9, np.nan]])
        expected = gate.rank(values)
        got = [kernels._rank(km.gate_points, km.gate_sizes, row, float(v)) for v in values]
        np.testing.assert_array_equal(got, expected, err_msg=name)


def test_without_numba_the_engine_runs_the_numpy_passes(korea_model, monkeypatch):
    monkeypatch.setattr(kernels, "njit", None)
    assert not kernels.use_fused()
    assert not vectorised.Chooser(korea_model).fused
    result = run_ensemble(korea_model, 100, seed=2)
    assert result.final_relation.shape == (100, korea_model.n_actors, korea_model.n_actors)
    state = vectorised.initial_state(korea_model, 100)
    with pytest.raises(RuntimeError, match="peninsula\\[fast\\]"):
        kernels.choose_fused(0, state, np.zeros((100, 6, 6)), np.zeros(100, dtype=np.int64),
                             None, None)


def test_environment_switch_selects_the_numpy_passes(korea_model, monkeypatch):
    monkeypatch.setenv(kernels.ENGINE_ENV, "numpy")
    assert not vectorised.Chooser(korea_model).fused
    monkeypatch.setenv(kernels.ENGINE_ENV, "")
    assert vectorised.Chooser(korea_model).fused == kernels.numba_available()
