"""The ``peninsula`` command: one Typer app; every command lives in a module of this package.

Commands parse their options, call the library and render; they hold no model logic.
"""

from __future__ import annotations

import sys

import typer

from peninsula.cli import agents, estimate, events, explore, files, forecast, run, scale, serve
from peninsula.cli.console import err

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate an interstate crisis system and explore it under uncertainty.",
)
app.command("run")(run.run)
app.command("validate")(run.validate)
app.command("scenarios")(run.scenarios)
app.command("show")(run.show)
app.command("counterfactual")(run.counterfactual_command)
app.command("transcript", help="Tell one future of a run with agents, month by month.")(
    agents.transcript_command)
app.command("compare-agents",
            help="The same futures played by the quantal rule and by agents, compared.")(
    agents.compare_agents_command)
app.command("run-chunked",
            help="Simulate in resumable chunks on local, processes or Dask workers.")(
    scale.run_resumable_command)
app.command("explore", help="Run every lever combination over sampled uncertainties.")(
    explore.explore_command)
app.command("analyze", help="Probabilities per lever, robustness, sensitivity, PRIM boxes.")(
    explore.analyze_command)
app.command("report", help="Write a self-contained HTML report of an exploration.")(
    explore.report_command)
app.command("compare", help="Compare two explorations.")(explore.compare_command)
app.command("forecast", help="Forecast questions from a scenario with 95% intervals.")(
    forecast.forecast_command)
app.command("score", help="Score forecasts of resolved questions against baselines.")(
    forecast.score_command)
app.command("export", help="Write stored results as CSV or Parquet files.")(
    files.export_command)
app.command("schema", help="Print the JSON Schema of a scenario file.")(files.schema_command)
app.command("new", help="Write a minimal valid scenario to start from.")(files.new_command)
app.add_typer(events.events_app, name="events")
app.command("code", help="Code English news text into CAMEO events.")(events.code_command)
app.command("calibrate", help="Set starting relations from real events.")(
    events.calibrate_command)
serve.register(app)
estimate.register(app)


def main() -> None:
    """Entry point of the ``peninsula`` console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
