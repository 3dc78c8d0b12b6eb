"""Same scenario and seed give identical numbers, however the futures are chunked."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from peninsula.engine.draws import FUTURES_PER_BLOCK, ChunkDraws
from peninsula.experiments.ensemble import plan_chunks, run_ensemble


def assert_same(a, b):
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if field.name == "events":
            assert (x is None) == (y is None)
            for column in dataclasses.fields(x) if x is not None else ():
                np.testing.assert_array_equal(getattr(x, column.name), getattr(y, column.name))
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert x == y, field.name


def test_draws_do_not_depend_on_chunking():
    whole = ChunkDraws(5, 6, 1000)
    first, second = ChunkDraws(5, 6, 1000, 0, 500), ChunkDraws(5, 6, 1000, 500, 500)
    for _ in range(3):
        np.testing.assert_array_equal(
            whole.next_month(), np.concatenate([first.next_month(), second.next_month()]))


def test_chunks_must_hold_whole_blocks():
    with pytest.raises(ValueError, match="block"):
        ChunkDraws(1, 6, 1000, 50, 100)
    with pytest.raises(ValueError, match="whole blocks"):
        ChunkDraws(1, 6, 1000, 0, 150)


def test_plan_covers_every_future_once():
    for n in (1, 99, 100, 101, 2500):
        chunks = plan_chunks(n, 300)
        covered = np.concatenate([np.arange(c.first, c.first + c.size) for c in chunks])
        np.testing.assert_array_equal(covered, np.arange(n))
        assert all(c.first % FUTURES_PER_BLOCK == 0 for c in chunks)


def test_one_chunk_or_many_give_identical_results(korea_model):
    n = 1_250
    one = run_ensemble(korea_model, n, seed=3, chunk_size=n, record_events=True)
    many = run_ensemble(korea_model, n, seed=3, chunk_size=100, record_events=True)
    some = run_ensemble(korea_model, n, seed=3, chunk_size=400, record_events=True)
    assert_same(one, many)
    assert_same(one, some)


def test_same_seed_same_numbers_other_seed_other_numbers(korea_model):
    a = run_ensemble(korea_model, 500, seed=42)
    b = run_ensemble(korea_model, 500, seed=42)
    c = run_ensemble(korea_model, 500, seed=43)
    assert_same(a, b)
    assert not np.array_equal(a.final_relation, c.final_relation)


def test_seed_zero_is_a_seed(korea_model):
    zero = run_ensemble(korea_model, 200, seed=0)
    one = run_ensemble(korea_model, 200, seed=1)
    assert not np.array_equal(zero.final_relation, one.final_relation)
