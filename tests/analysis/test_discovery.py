"""PRIM scenario discovery on synthetic data whose true box is known."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from peninsula.analysis.discovery import discover, prim_boxes
from peninsula.store.explorations import ExplorationWriter, open_results

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


# --------------------------------------------------------------------------- stored results


def _stored_exploration(folder, samples: np.ndarray, values: dict[str, np.ndarray]):
    """A finished exploration file, written by the project's writer, with chosen outcomes.

    Two uncertainties ``a`` and ``b`` (the columns of ``samples``), two policies; ``values``
    gives each outcome's value per ``(policy, sample)``.
    """
    n = samples.shape[0]
    policies = [{"posture": "calm"}, {"posture": "firm"}]
    header = {"scenario": "constructed", "scenario_sha256": "0" * 64, "seed": 1,
              "sampler": "mc", "samples": n, "futures": 100, "months": 3, "policies": 2,
              "experiments": 2 * n, "version": "test", "start_month": "2024-02",
              "n_base": None, "calc_second_order": False}
    lever = {"id": "posture", "label": "Posture", "actor": "AAA",
             "options": [{"id": "calm", "overrides": {}}, {"id": "firm", "overrides": {}}]}
    outcomes = [{"id": name, "label": name.title(), "kind": "binary"} for name in values]
    experiment = np.arange(2 * n, dtype=np.int32)  # experiment = sample * 2 + policy
    sample, policy = experiment // 2, experiment % 2
    k = len(values)
    with ExplorationWriter(
            folder / "exploration.duckdb", header,
            uncertainties=[{"name": name, "path": f"x.{name}", "distribution": "uniform",
                            "low": 0.0, "high": 1.0, "rationale": "constructed"}
                           for name in ("a", "b")],
            integer_columns=[], levers=[lever], policies=policies, actors=["AAA", "BBB"],
            outcomes=outcomes) as writer:
        writer.append(
            {"experiment": experiment, "sample": sample, "policy": policy,
             "seed": sample.astype(np.int64), "a": samples[sample, 0], "b": samples[sample, 1],
             "posture": np.array([policies[p]["posture"] for p in policy], dtype=object)},
            {"experiment": np.repeat(experiment, k),
             "outcome": np.tile(np.array(list(values), dtype=object), 2 * n),
             "value": np.stack([v[policy, sample] for v in values.values()], axis=1).ravel(),
             "hits": np.zeros(2 * n * k, dtype=np.int32), "sd": np.zeros(2 * n * k)},
            {"experiment": experiment, "quarter": np.zeros(2 * n, dtype=np.int16),
             "mean_rung": np.zeros(2 * n)},
            {"experiment": np.repeat(experiment, 2),
             "source": np.tile(np.array([0, 1], dtype=np.int16), 2 * n),
             "target": np.tile(np.array([1, 0], dtype=np.int16), 2 * n),
             **{column: np.zeros(4 * n) for column in ("relation_start", "commitment_start",
                                                       "relation_end", "commitment_end")}})
        writer.finish(0.0)
    return folder


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """400 samples; 'clash' is likely exactly where a > 0.7, under both policies."""
    rng = np.random.default_rng(5)
    samples = rng.uniform(size=(400, 2))
    a = samples[:, 0]
    values = {
        "clash": np.stack([np.where(a > 0.7, 0.6, 0.05), np.where(a > 0.7, 0.4, 0.02)]),
        "never": np.full((2, 400), 0.01),
        "always": np.full((2, 400), 0.9),
        "noise": rng.uniform(size=(2, 400)),  # unrelated to a and b
    }
    return _stored_exploration(tmp_path_factory.mktemp("stored"), samples, values)


@needs_ema
def test_prim_on_stored_results_finds_the_driving_parameter(stored) -> None:
    res = open_results(stored)
    found = discover(res, "clash", 0.2)
    assert found.message is None and found.n_rows == 800  # every policy's experiments
    assert found.n_of_interest == 2 * int((res.samples[:, 0] > 0.7).sum())
    box = found.boxes[0]
    assert box.restricted_names == ("a",)
    assert box["a"].lower == pytest.approx(0.7, abs=0.03)
    assert box.density == 1.0 and box.coverage == 1.0
    one = discover(res, "clash", 0.2, policy="firm")
    assert one.n_rows == 400 and one.boxes[0].restricted_names == ("a",)


@needs_ema
def test_prim_on_stored_results_says_why_there_is_no_box(stored) -> None:
    res = open_results(stored)
    never = discover(res, "never", 0.2)
    assert never.boxes == () and never.message == "no experiment has never above 0.2"
    always = discover(res, "always", 0.2)
    assert always.boxes == () and always.message == "every experiment has always above 0.2"
    noise = discover(res, "noise", 0.7, density=0.95)
    assert 0 < noise.n_of_interest < noise.n_rows
    assert noise.boxes == () and noise.message == "no box reaches a density of 95%"
