"""``peninsula run --agent``, ``transcript`` and ``compare-agents`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

import peninsula as pn
from peninsula.cli import app
from peninsula.cli.agents import parse_specs

runner = CliRunner()
SMALL = ["--futures", "3", "--months", "2", "--seed", "5"]
ACTORS = ["PRK", "KOR", "USA"]


def one_clean_error(result, text: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and text in lines[0], lines
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "text"), [
    (["--agent", "XYZ=llm", "--llm-url", "http://127.0.0.1:9/v1", "--llm-model", "m"],
     "unknown actor 'XYZ'; expected one of PRK, KOR"),
    (["--agent", "PRK=llm"], "--agent PRK=llm needs --llm-url"),
])
def test_bad_agent_options_are_one_line_errors(tmp_path, args, text):
    result = runner.invoke(app, ["run", *SMALL, "--out", str(tmp_path / "r"), *args])
    one_clean_error(result, text)
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("specs", "text"), [
    (["PRK"], "--agent expects ACTOR=llm|human|quantal, got 'PRK'"),
    (["PRK=robot"], "--agent expects ACTOR=llm|human|quantal, got 'PRK=robot'"),
    (["PRK=quantal", "prk=human"], "--agent names PRK twice"),
    (["CHN=llm"], "unknown actor 'CHN'; expected one of PRK, KOR, USA"),
])
def test_agent_specs_are_checked(capsys, specs, text):
    with pytest.raises(typer.Exit) as stop:
        parse_specs(specs, ACTORS)
    assert stop.value.exit_code == 2 and text in capsys.readouterr().err
    assert parse_specs(["prk=LLM", "USA=human"], ACTORS) == {"PRK": "llm", "USA": "human"}


def llm_run(url: str, folder: Path, *extra: str):
    return runner.invoke(app, ["run", *SMALL, "--out", str(folder), "--agent", "PRK=llm",
                               "--agent", "usa=llm", "--llm-url", url, "--llm-model",
                               "scripted-test", *extra])


@pytest.fixture(scope="module")
def llm_folder(_server, tmp_path_factory) -> tuple[Path, str]:
    """One CLI run with two actors played by the scripted server, and its output."""
    _server.reset()
    base = tmp_path_factory.mktemp("cli")
    result = llm_run(_server.url, base / "run", "--llm-cache", str(base / "cache"))
    assert result.exit_code == 0, result.output
    assert len(_server.requests) == 12
    return base, result.output


def test_run_prints_the_agent_summary(llm_folder):
    base, output = llm_folder
    assert "Agents (PRK, USA by llm scripted-test at" in output
    assert "12 decisions" in output and "12 calls (12 HTTP requests), 0 cache hits" in output
    assert "0 retries, 0 fallbacks to the quantal rule, 0 errors" in output
    summary = json.loads((base / "run" / "summary.json").read_text())
    assert summary["agents"]["calls"] == 12 and summary["agents"]["fallbacks"] == 0


def test_the_same_command_replays_the_cache_without_a_request(llm_folder, server):
    base, _ = llm_folder
    again = llm_run(server.url, base / "again", "--llm-cache", str(base / "cache"))
    assert again.exit_code == 0, again.output
    assert server.requests == []
    assert "0 calls (0 HTTP requests), 12 cache hits" in again.output
    events = []
    for name in ("run", "again"):
        con = duckdb.connect(str(base / name / "results.duckdb"), read_only=True)
        events.append(con.execute("SELECT future, month, source, target, action FROM events "
                                  "ORDER BY ALL").fetchall())
        con.close()
    assert events[0] == events[1]


def test_transcript_tells_reasons_next_to_what_the_engine_applied(llm_folder):
    folder = llm_folder[0] / "run"
    result = runner.invoke(app, ["transcript", str(folder), "--future", "1", "--actor", "PRK"])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(folder / "results.duckdb"), read_only=True)
    applied = con.execute(
        "SELECT e.action, e.rung FROM events_coded e WHERE e.future = 1 AND e.month = 0 "
        "AND e.source = 'PRK' AND e.target = 'KOR'").fetchone()
    label = con.execute("SELECT label FROM agent_choices WHERE future = 1 AND month = 0 "
                        "AND actor = 'PRK' AND target = 'KOR'").fetchone()[0]
    rationale = con.execute("SELECT rationale FROM agent_decisions WHERE future = 1 AND "
                            "month = 0 AND actor = 'PRK'").fetchone()[0]
    con.close()
    text = result.output
    assert "future 1" in text and "2024-02" in text and "2024-03" in text
    assert rationale.startswith("Scripted test answer") and f'"{rationale}"' in text
    assert f"-> KOR  {applied[0]}: {label}, rung {applied[1]}" in text
    assert "USA [" not in text  # --actor PRK keeps PRK's decisions only
    lines = runner.invoke(app, ["transcript", str(folder), "--future", "1", "--json"])
    rows = [json.loads(line) for line in lines.output.splitlines()]
    assert {r["actor"] for r in rows} == {"PRK", "USA"} and all(r["future"] == 1 for r in rows)


def test_transcript_errors_are_one_line(korea, llm_folder, tmp_path):
    pn.run(korea, futures=2, months=1, progress=False).save(tmp_path / "plain")
    one_clean_error(runner.invoke(app, ["transcript", str(tmp_path / "plain")]),
                    "has no transcripts")
    one_clean_error(runner.invoke(app, ["transcript", str(tmp_path / "missing")]), "not found")
    one_clean_error(runner.invoke(app, ["transcript", str(llm_folder[0] / "run"), "--future",
                                        "9"]), "future must lie in 0..2")
    one_clean_error(runner.invoke(app, ["transcript", str(llm_folder[0] / "run"), "--actor",
                                        "JPN"]), "JPN was not played by an agent")


def test_compare_agents_prints_paired_differences(server):
    result = runner.invoke(app, ["compare-agents", "korea-2024", "--futures", "4", "--months",
                                 "3", "--agent", "PRK=llm", "--llm-url", server.url,
                                 "--llm-model", "scripted-test", "--llm-cache", "off"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.output
    for column in ("quantal", "agents", "difference", "95% interval"):
        assert column in text
    assert "Share of the played actors' choices at rung 4+" in text
    assert "War on the peninsula" in text
    assert "paired difference (agents minus quantal)" in text
    row = next(line for line in text.splitlines() if "Mean rung of the played" in line)
    assert "+0.000" not in row  # the scripted policy escalates more than the quantal rule
    assert len(server.requests) == 4 * 3


def test_a_human_plays_at_the_terminal(tmp_path):
    result = runner.invoke(app, ["run", "south-asia-2019", "--futures", "2", "--months", "1",
                                 "--out", str(tmp_path / "h"), "--agent", "IND=human"],
                           input="\n" * 12)
    assert result.exit_code == 0, result.output
    assert "=== IND, future 1, 2019-02 ===" in result.output
    assert "IND toward PAK [do_nothing]:" in result.output
    con = duckdb.connect(str(tmp_path / "h" / "results.duckdb"), read_only=True)
    acts = con.execute("SELECT count(*) FROM events WHERE source = 0 AND source <> target"
                       ).fetchone()[0]
    applied = con.execute("SELECT DISTINCT action FROM agent_choices").fetchall()
    con.close()
    assert acts == 0 and applied == [("do_nothing",)]  # every empty line: do nothing
