"""``peninsula run --agent``, ``transcript`` and ``compare-agents`` from the command line.

Malformed urls, an endpoint nothing listens on and an unset key variable are one-line errors;
the API key reaches the server and is stored nowhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import typer
from agent_helpers import closed_port
from typer.testing import CliRunner

import peninsula as pn
from peninsula.cli import app, console
from peninsula.cli.agents import parse_specs

runner = CliRunner()
SMALL = ["--futures", "3", "--months", "2", "--seed", "5"]
ACTORS = ["PRK", "KOR", "USA"]


@pytest.fixture()
def wide(monkeypatch) -> None:
    """Tables printed 200 columns wide, one row a line (``COLUMNS`` is read only when the
    console is made, which may be before a test sets it)."""
    monkeypatch.setattr(console.out, "_width", 200)


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


def test_compare_agents_prints_paired_differences(server, wide):
    result = runner.invoke(app, ["compare-agents", "korea-2024", "--futures", "4", "--months",
                                 "3", "--agent", "PRK=llm", "--llm-url", server.url,
                                 "--llm-model", "scripted-test", "--llm-cache", "off"])
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


def south_asia(folder: Path, url: str, *extra: str, env: dict | None = None):
    """``peninsula run`` of a small scenario with IND played by the model at ``url``."""
    return runner.invoke(app, ["run", "south-asia-2019", "--futures", "2", "--months", "1",
                               "--out", str(folder), "--agent", "IND=llm", "--llm-url", url,
                               "--llm-model", "scripted-test", *extra], env=env)


@pytest.mark.parametrize(("url", "text"), [
    ("http://:abc/v1", "the model's url 'http://:abc/v1' is not a valid url"),
    ("http://[::1/v1", "the model's url 'http://[::1/v1' is not a valid url"),
    ("ftp://x/v1", "the model's url must start with http:// or https://, got 'ftp://x/v1'"),
    ("not a url", "the model's url must start with http:// or https://, got 'not a url'"),
])
def test_a_malformed_llm_url_is_one_line(tmp_path, url, text):
    one_clean_error(south_asia(tmp_path / "r", url), text)
    assert not (tmp_path / "r").exists()


def test_an_unreachable_endpoint_is_one_line_naming_it(tmp_path):
    with closed_port() as url:
        result = south_asia(tmp_path / "r", url, "--llm-cache", "off")
    one_clean_error(result, f"cannot reach the language model at {url}/chat/completions")
    assert not (tmp_path / "r").exists()


def stored_text(path: Path) -> str:
    """Every value of every table of a DuckDB file, as text."""
    con = duckdb.connect(str(path), read_only=True)
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables"
                                        ).fetchall()]
    text = repr([con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables])
    con.close()
    return text


def test_the_api_key_reaches_the_server_and_is_stored_nowhere(server, tmp_path):
    key = "sk-test-5ecret-key"
    dead = "http://127.0.0.1:9"  # proxies of the environment are ignored: loopback stays
    env = {"OPENAI_API_KEY": key, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "ALL_PROXY": dead,
           "NO_PROXY": None}
    result = south_asia(tmp_path / "r", server.url, "--llm-cache", str(tmp_path / "c"),
                        env=env)
    assert result.exit_code == 0, result.output
    assert len(server.headers) == 2
    assert {h.get("authorization") for h in server.headers} == {f"Bearer {key}"}
    assert key not in result.output
    assert key not in (tmp_path / "r" / "summary.json").read_text()
    assert key not in stored_text(tmp_path / "r" / "results.duckdb")
    assert key not in stored_text(tmp_path / "c" / "llm.duckdb")
    assert "scripted-test" in stored_text(tmp_path / "r" / "results.duckdb")  # it does read


def test_compare_agents_reads_the_key_from_the_named_variable(server):
    args = ["compare-agents", "south-asia-2019", "--futures", "2", "--months", "1", "--agent",
            "IND=llm", "--llm-url", server.url, "--llm-model", "scripted-test", "--llm-cache",
            "off", "--llm-api-key-env", "PENINSULA_TEST_KEY"]
    missing = runner.invoke(app, args, env={"PENINSULA_TEST_KEY": None})
    one_clean_error(missing, "--llm-api-key-env PENINSULA_TEST_KEY: the environment variable")
    result = runner.invoke(app, args, env={"PENINSULA_TEST_KEY": "sk-named",
                                           "OPENAI_API_KEY": "sk-other"})
    assert result.exit_code == 0, result.output
    assert {h.get("authorization") for h in server.headers} == {"Bearer sk-named"}
    assert "sk-named" not in result.output
    server.reset()
    none = runner.invoke(app, [*args[:-1], ""], env={"OPENAI_API_KEY": "sk-other"})
    assert none.exit_code == 0, none.output
    assert server.headers and not any("authorization" in h for h in server.headers)


def test_compare_agents_with_one_future_has_no_interval(wide):
    result = runner.invoke(app, ["compare-agents", "south-asia-2019", "--futures", "1",
                                 "--months", "1", "--agent", "IND=quantal"])
    assert result.exit_code == 0, result.output
    assert "inf" not in result.output and "nan" not in result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│")]
    assert len(rows) == 11  # 5 behaviour measures and the scenario's 6 outcomes
    assert all("│ none (one future) │" in line for line in rows)
    assert "(1 future, same draws" in result.output


def test_run_reads_the_key_from_the_named_variable(server, tmp_path):
    result = south_asia(tmp_path / "r", server.url, "--llm-cache", "off", "--llm-api-key-env",
                        "PENINSULA_RUN_KEY", env={"PENINSULA_RUN_KEY": "sk-run",
                                                  "OPENAI_API_KEY": "sk-other"})
    assert result.exit_code == 0, result.output
    assert {h.get("authorization") for h in server.headers} == {"Bearer sk-run"}
    assert "sk-run" not in result.output
