"""Every command refuses bad arguments with exit code 2, a few lines and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import peninsula as pn
from peninsula.cli import app

runner = CliRunner()
HUGE = str(10**12)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-exploration")
    pn.explore("korea-2024", samples=2, futures=10, months=2, out=folder,
               executor=pn.executors.Local(), progress=False)
    return folder


def _places(tmp: Path, tiny: Path) -> dict[str, str]:
    a_file = tmp / "a-file.txt"
    a_file.write_text("not a folder\n")
    return {"MISSING": str(tmp / "missing"), "DIR": str(tmp), "FILE": str(a_file),
            "BELOW_FILE": str(a_file / "below"), "TINY": str(tiny)}


# command line, with placeholders for paths (filled per test)
CASES = [
    # missing path / directory where a file is expected / file where a folder is expected
    "validate MISSING", "validate DIR", "show MISSING", "run MISSING", "run DIR",
    "run -n 10 --out FILE", "run -n 10 --out BELOW_FILE",
    "run-chunked -n 10 --out FILE", "run-chunked -n 10 --out BELOW_FILE",
    "explore --samples 2 -n 5 --out FILE", "explore --samples 2 -n 5 --out BELOW_FILE",
    "analyze MISSING", "analyze FILE", "report MISSING", "report TINY -o DIR",
    "compare MISSING TINY", "compare TINY FILE", "export MISSING", "export DIR",
    "export TINY --out FILE", "export TINY --format xml", "forecast MISSING MISSING",
    "schema -o DIR", "new x -o DIR --force", "counterfactual MISSING -w S1",
    # out-of-range, non-finite and huge numbers
    "run --futures 0", "run --futures -5", "run -n 10 --months 0", "run -n 10 --months "
    + str(10**9), "run -n 10 --seed -1", "run -n 10 --seed " + str(2**63), "run -n " + HUGE,
    "run -n 2000000000", "counterfactual -w S1 --futures 0", "counterfactual -w S1 -n " + HUGE,
    "counterfactual -w S1 -n 10 --months -1", "counterfactual -w S1 -n 10 --seed -1",
    "run-chunked --futures 0", "run-chunked -n " + HUGE, "run-chunked -n 10 --chunk-size 0",
    "run-chunked -n 10 --workers 0", "run-chunked -n 10 --seed " + str(2**64),
    "explore --samples 0", "explore --samples " + HUGE, "explore -n " + HUGE,
    "explore -n 5 --samples 2 --months " + str(10**9), "explore --samples 2 -n 5 --seed -1",
    "explore --samples 2 -n 5 --workers 0", "explore --samples 2 -n 5 --sampler nope",
    "analyze TINY --threshold nan", "analyze TINY --tolerance inf",
    "analyze TINY --tolerance -1", "analyze TINY --outcome nope", "analyze TINY --policy nope",
    "report TINY --threshold nan", "report TINY --tolerance -1", "compare TINY TINY --outcome x",
    "forecast korea-2024 --futures 0", "forecast korea-2024 --futures " + HUGE,
    "new 'Bad Name!'",
    # events, the coder, history and estimation, the web app
    "events import MISSING", "events import DIR",
    "events summary --dyad PRK-KOR --from 2024-01 --to 2024-02 --db MISSING",
    "events export-sim MISSING", "code MISSING --date 2024-01-01", "code FILE --date nope",
    "calibrate korea-2024 --db MISSING -o BELOW_FILE", "history summary MISSING",
    "history summary FILE", "history summary DIR --until 2030-01",
    "fit korea-2024 --history MISSING --until 2024-01 --out DIR",
    "backtest korea-2024 --history MISSING --origins 2020-01",
    "serve --host 0.0.0.0", "serve --scenarios MISSING",
]


@pytest.mark.parametrize("line", CASES)
def test_bad_argument_is_one_clear_error(line, tmp_path, tiny):
    places = _places(tmp_path, tiny)
    args = [places.get(word, word).strip("'") for word in line.split()]
    result = runner.invoke(app, args)
    stderr = result.stderr if result.stderr_bytes is not None else result.output
    assert result.exit_code == 2, (line, result.output, result.exception)
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit), repr(result.exception)
    usage = ("Usage:", "Try ", "╭", "╰")  # Click's own usage errors frame one line
    lines = [x for x in stderr.splitlines() if x.strip() and not x.startswith(usage)]
    assert len(lines) <= 3, stderr
