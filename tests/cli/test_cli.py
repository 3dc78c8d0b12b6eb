"""The ``peninsula`` command, through Typer's runner and as a real installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess

import duckdb
from typer.testing import CliRunner

from peninsula.cli import app

runner = CliRunner()


def test_run_writes_duckdb_and_summary(tmp_path):
    result = runner.invoke(app, ["run", "--futures", "300", "--months", "12", "--seed", "3",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "War on the peninsula" in result.output
    assert "Most frequent escalation paths" in result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["metadata"]["futures"] == 300 and summary["metadata"]["seed"] == 3
    assert len(summary["escalation_paths"]) == 3
    probabilities = {o["id"]: o["estimate"]["value"] for o in summary["outcomes"]}
    con = duckdb.connect(str(tmp_path / "results.duckdb"), read_only=True)
    clash = con.execute("SELECT avg(value) FROM outcomes WHERE outcome = 'limited_clash'"
                        ).fetchone()[0]
    con.close()
    assert abs(clash - probabilities["limited_clash"]) < 1e-12


def test_same_seed_same_summary(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        result = runner.invoke(app, ["run", "south-asia-2019", "--futures", "200", "--seed",
                                     "9", "--out", str(folder), "--no-events"])
        assert result.exit_code == 0, result.output
    sa = json.loads((a / "summary.json").read_text())
    sb = json.loads((b / "summary.json").read_text())
    assert sa["outcomes"] == sb["outcomes"]
    assert sa["metadata"]["scenario_sha256"] == sb["metadata"]["scenario_sha256"]


def test_validate_lists_problems_with_lines_and_exit_code_2(tmp_path):
    bad = tmp_path / "korea.yaml"
    bad.write_text("name: korea\ntitle: t\nstart: 2024-02\nactors:\n"
                   "  - {code: PRK, name: P, capabilities: {military: 1, nuclear: many}}\n")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "korea.yaml:5 actors[0].capabilities.nuclear: expected a number" in result.output
    assert "Traceback" not in result.output


def test_validate_accepts_the_builtins():
    for name in ("korea-2024", "south-asia-2019"):
        result = runner.invoke(app, ["validate", name])
        assert result.exit_code == 0 and result.output.startswith("OK")


def test_scenarios_and_show_print_claims_with_quotes():
    listing = runner.invoke(app, ["scenarios"])
    assert listing.exit_code == 0 and "korea-2024" in listing.output
    shown = runner.invoke(app, ["show", "korea-2024"])
    assert shown.exit_code == 0
    for claim in ("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"):
        assert claim in shown.output
    assert "designating South Korea as its number one enemy" in " ".join(shown.output.split())


def test_counterfactual_prints_both_columns_and_the_difference():
    result = runner.invoke(app, ["counterfactual", "korea-2024", "--without", "S6",
                                 "--futures", "400", "--months", "12"])
    assert result.exit_code == 0, result.output
    assert "Putin-Kim summit" in " ".join(result.output.split())
    assert "difference" in result.output


def test_counterfactual_unknown_claim_is_a_clear_error():
    result = runner.invoke(app, ["counterfactual", "korea-2024", "--without", "S9",
                                 "--futures", "100"])
    assert result.exit_code == 2
    assert "unknown claim 'S9'" in result.output


def test_bad_numbers_are_clear_errors():
    result = runner.invoke(app, ["run", "--futures", "0"])
    assert result.exit_code == 2 and "futures must be ≥ 1" in result.output
    assert "--futures" not in result.output  # raised once, in the library's words


def test_run_refuses_to_overwrite_results(tmp_path):
    args = ["run", "--futures", "100", "--months", "3", "--out", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0
    before = (tmp_path / "summary.json").read_text()
    again = runner.invoke(app, args[:-2] + ["--seed", "9", "--out", str(tmp_path)])
    assert again.exit_code == 2 and "already exists" in again.output
    assert (tmp_path / "summary.json").read_text() == before  # nothing stored was touched
    assert runner.invoke(app, [*args, "--seed", "9", "--overwrite"]).exit_code == 0
    assert (tmp_path / "summary.json").read_text() != before


def test_console_script_runs_for_real(tmp_path):
    exe = shutil.which("peninsula")
    assert exe, "the peninsula console script is not installed (pip install -e .)"
    done = subprocess.run([exe, "run", "--futures", "200", "--months", "6", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results.duckdb").exists()
    bad = subprocess.run([exe, "validate", str(tmp_path / "missing.yaml")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "file not found" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_run_report_writes_a_self_contained_page(tmp_path):
    result = runner.invoke(app, ["run", "--futures", "200", "--months", "6", "--out",
                                 str(tmp_path), "--report", "--no-events"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report.html").read_text()
    assert "<html" in page.lower() and "korea-2024" in page
    assert "<script src=\"http" not in page  # opens offline: plotly.js is embedded
