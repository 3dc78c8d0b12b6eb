"""Text from a scenario that looks like Rich markup is printed as written, never read as markup."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

import peninsula as pn
from peninsula.cli import app

runner = CliRunner()

WAR = "War [/bold] on the peninsula"
ACTOR = "North [red]Korea"
CLAIM = "The DPRK [/] names the ROK its principal enemy"
LEVER = "US [/bold] posture toward the DPRK"


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> Path:
    """korea-2024 (it has claims, uncertainties and levers) with markup in its labels."""
    text = (files("peninsula") / "scenarios" / "korea-2024.yaml").read_text()
    for old, new in [("label: War on the peninsula,", f'label: "{WAR}",'),
                     ("name: North Korea", f'name: "{ACTOR}"'),
                     ("title: The DPRK names the ROK its principal enemy", f'title: "{CLAIM}"'),
                     ("label: US posture toward the DPRK", f'label: "{LEVER}"')]:
        assert old in text
        text = text.replace(old, new)
    folder = tmp_path_factory.mktemp("markup")
    path = folder / "korea-markup.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def explored(marked) -> Path:
    out = marked.parent / "explored"
    pn.explore(marked, samples=2, futures=10, months=2, out=out,
               executor=pn.executors.Local(), progress=False)
    return out


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Wide consoles, so that no table cell wraps."""
    from peninsula.cli import console

    monkeypatch.setattr(console.out, "width", 400)
    monkeypatch.setattr(console.err, "width", 400)


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return " ".join(result.output.split())  # tables may wrap: compare words


def test_run_and_run_chunked_print_labels_as_written(marked, tmp_path):
    assert WAR in _ok(["run", str(marked), "-n", "20", "-m", "2", "--out", str(tmp_path / "r")])
    assert WAR in _ok(["run-chunked", str(marked), "-n", "20", "-m", "2", "--out",
                       str(tmp_path / "c")])


def test_counterfactual_and_show_print_labels_as_written(marked):
    assert WAR in _ok(["counterfactual", str(marked), "-w", "S1", "-n", "20", "-m", "2"])
    shown = _ok(["show", str(marked)])
    assert ACTOR in shown and CLAIM in shown


def test_analyze_and_compare_print_labels_as_written(explored):
    analyzed = _ok(["analyze", str(explored)])
    assert WAR in analyzed and LEVER in analyzed
    assert WAR in _ok(["compare", str(explored), str(explored)])
