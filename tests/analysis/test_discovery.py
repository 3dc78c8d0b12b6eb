"""PRIM scenario discovery on synthetic data whose true box is known."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from peninsula.analysis.discovery import prim_boxes

needs_ema = pytest.mark.skipif(
    importlib.util.find_spec("ema_workbench") is None,
    reason="needs the 'analysis' extra (ema_workbench)",
)

NAMES = ("x0", "x1", "x2", "x3")


def _one_box_data(seed: int, n: int = 2000, noise: float = 0.02):
    """Uniform X in [0,1]^4; y = (x0 > 0.6) & (x2 < 0.3), each label flipped w.p. `noise`."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 4))
    y = (x[:, 0] > 0.6) & (x[:, 2] < 0.3)
    y ^= rng.uniform(size=n) < noise
    return x, y


@needs_ema
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finds_the_true_box(seed: int) -> None:
    x, y = _one_box_data(seed)
    res = prim_boxes(x, NAMES, y, threshold=0.9)
    assert res.n_rows == 2000 and res.n_of_interest == int(y.sum())
    assert len(res.boxes) == 1
    box = res.boxes[0]
    # Only x0 and x2 are restricted, one-sidedly, near 0.6 and 0.3. Limits sit on
    # sample points; with n = 2000 the gap between neighbouring order statistics
    # inside the box is ~0.005, and peeling in 5 % quantile steps plus pasting
    # leaves the limit within a few hundredths of the truth.
    assert set(box.restricted_names) == {"x0", "x2"}
    x0, x2 = box["x0"], box["x2"]
    assert x0.lower == pytest.approx(0.6, abs=0.05)
    assert x0.upper == x0.data_upper and x0.qp_upper is None
    assert x2.upper == pytest.approx(0.3, abs=0.05)
    assert x2.lower == x2.data_lower and x2.qp_lower is None
    assert x0.qp_lower is not None and x0.qp_lower < 1e-6
    assert x2.qp_upper is not None and x2.qp_upper < 1e-6
    # With 2 % symmetric label noise the true box has density ~0.98 and
    # coverage ~0.87 (0.1176 / (0.1176 + 0.88 * 0.02)).
    assert box.density >= 0.9
    assert box.coverage >= 0.8
    assert box.mass == pytest.approx(0.12, abs=0.03)


@needs_ema
def test_trajectory_and_statistics_are_consistent() -> None:
    x, y = _one_box_data(0)
    res = prim_boxes(x, NAMES, y, threshold=0.9)
    box = res.boxes[0]
    traj = box.trajectory
    first = traj[0]
    assert (first.step, first.coverage, first.mass, first.n_restricted) == (0, 1.0, 1.0, 0)
    assert first.density == pytest.approx(y.mean())
    assert [s.step for s in traj] == list(range(len(traj)))
    assert traj[box.selected].coverage == box.coverage
    # the selected step is the widest one meeting the threshold
    eligible = [s for s in traj if s.density >= 0.9]
    assert box.coverage == max(s.coverage for s in eligible)
    for s in traj:
        assert s.n_of_interest <= s.n_rows
        assert s.density == pytest.approx(s.n_of_interest / s.n_rows)
        assert s.mass == pytest.approx(s.n_rows / x.shape[0])
        assert s.coverage == pytest.approx(s.n_of_interest / y.sum())
    # the reported statistics agree with re-applying the box to the data
    inside = box.contains(x, NAMES)
    assert inside.sum() == traj[box.selected].n_rows
    assert box.mass == pytest.approx(inside.mean())
    assert box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum())


@needs_ema
def test_covering_finds_two_boxes() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(3000, 3))
    y = (x[:, 0] > 0.8) | (x[:, 1] > 0.85)
    res = prim_boxes(x, ("a", "b", "c"), y, threshold=0.9, max_boxes=3)
    assert len(res.boxes) == 2
    first, second = res.boxes
    assert first.restricted_names == ("a",) and first["a"].lower == pytest.approx(0.8, abs=0.05)
    assert second.restricted_names == ("b",)
    assert second["b"].lower == pytest.approx(0.85, abs=0.05)
    assert first.coverage + second.coverage == pytest.approx(1.0, abs=0.05)


@needs_ema
def test_no_box_when_threshold_unreachable() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(500, 2))
    y = rng.uniform(size=500) < 0.3  # pure noise
    res = prim_boxes(x, ("a", "b"), y, threshold=0.95)
    assert res.boxes == ()


def test_input_validation() -> None:
    x = np.zeros((10, 2))
    y = np.array([True, False] * 5)
    with pytest.raises(ValueError, match="names"):
        prim_boxes(x, ("a",), y)
    with pytest.raises(ValueError, match="one entry per row"):
        prim_boxes(x, ("a", "b"), y[:5])
    with pytest.raises(ValueError, match="both cases"):
        prim_boxes(x, ("a", "b"), np.zeros(10, dtype=bool))
    with pytest.raises(ValueError, match="booleans"):
        prim_boxes(x, ("a", "b"), np.arange(10))
    with pytest.raises(ValueError, match="threshold"):
        prim_boxes(x, ("a", "b"), y, threshold=0.0)
    with pytest.raises(ValueError, match="non-finite"):
        prim_boxes(np.full((10, 2), np.nan), ("a", "b"), y)


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    monkeypatch.setitem(sys.modules, "ema_workbench.analysis", None)
    x = np.random.default_rng(0).uniform(size=(20, 2))
    y = x[:, 0] > 0.5
    with pytest.raises(ImportError, match=r"pip install 'peninsula\[analysis\]'"):
        prim_boxes(x, ("a", "b"), y)
