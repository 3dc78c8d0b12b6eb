"""``peninsula history summary``, ``peninsula fit`` and ``peninsula backtest`` (issue 11).

Each command parses its options, calls :mod:`peninsula.api.estimation` and renders what comes
back; a user error is one line per problem on stderr with exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from peninsula.api.estimation import backtest, fit, history_summary, plot_history_summary
from peninsula.cli.console import fail, interrupted, missing_extra, out, say, user_error
from peninsula.cli.explore import _executor_spec
from peninsula.errors import UserError
from peninsula.experiments.executors import ExecutorError

history_app = typer.Typer(help="Read historical event data: the series a fit uses.",
                          no_args_is_help=True, add_completion=False)


def _table(title: str, frame, right: tuple[str, ...] = ()) -> Table:
    table = Table(title=escape(title))
    for column in frame.columns:
        table.add_column(str(column), justify="right" if column in right else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(escape(str(v)) for v in row))
    return table


@history_app.command("summary")
def summary_command(
    folder: Annotated[Path, typer.Argument(help="History folder (as shared/data/history).")],
    until: Annotated[str | None, typer.Option(
        "--until", help="Last month (YYYY-MM) or day to read; default the vantage point.")
    ] = None,
    start: Annotated[str | None, typer.Option(
        "--from", help="First month of the statistics' window (YYYY-MM).")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="Last month of the statistics' window (YYYY-MM).")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Write a plot to this PNG.")] = None,
) -> None:
    """Files read, observed series and their summary statistics."""
    if png is not None and (not png.parent.is_dir() or png.is_dir()):
        raise fail(f"--png {png}: expected a file name in an existing folder")
    try:
        summary = history_summary(folder, until=until, start=start, end=end)
    except UserError as exc:
        raise user_error(exc) from None
    except ValueError as exc:  # a --from/--to that is not a month
        raise fail(f"--from/--to: expected YYYY-MM ({exc})") from None
    out.print(_table(f"{folder}: files (rows known before {summary.cut.isoformat()})",
                     summary.files, right=("rows",)))
    out.print(_table("Observed series", summary.series_table, right=("rows",)))
    stats = summary.statistics.reset_index()
    stats.columns = ["statistic", "value"]
    stats["value"] = stats["value"].map(lambda v: f"{v:.4g}")
    window = f"{start or 'coverage start'} to {end or 'coverage end'}"
    out.print(_table(f"Summary statistics ({window}, each within its series' coverage)", stats,
                     right=("value",)))
    if png is not None:
        try:
            plot_history_summary(summary, png)
        except ImportError as exc:
            raise missing_extra("plot", "--png", exc) from None
        say(f"wrote {png}")


ExecutorKind = Annotated[str, typer.Option(
    "--executor", "-e", help="local | processes | dask: where parameter sets run "
                             "(results do not depend on it).")]
Workers = Annotated[int, typer.Option("--workers", "-w", help="Worker processes.")]


@contextmanager
def _estimating(method: str) -> Iterator[None]:
    """A fit's or a backtest's failures as one line each (nothing is written before the end)."""
    try:
        yield
    except UserError as exc:
        raise user_error(exc) from None
    except ExecutorError as exc:  # a worker died: nothing of a fit is kept to resume from
        raise fail(f"{str(exc).split(';')[0]}; nothing was written: run the command "
                   "again") from None
    except KeyboardInterrupt:
        raise interrupted() from None
    except ImportError as exc:  # history matching's emulators (scikit-learn), or the plot
        sklearn = "sklearn" in str(exc)
        raise missing_extra("estimate" if sklearn else "plot",
                            f"--method {method}" if sklearn else "--png", exc) from None


def fit_command(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")],
    history: Annotated[Path, typer.Option("--history", help="History folder.")],
    until: Annotated[str, typer.Option("--until", help="Last observed month (YYYY-MM).")],
    window_start: Annotated[str | None, typer.Option(
        "--window-start", help="First month of the observed window (default: 24 months).")
    ] = None,
    method: Annotated[str, typer.Option("--method", help="abc | history-matching")] = "abc",
    budget: Annotated[int, typer.Option("--budget", help="Parameter sets to simulate.")] = 400,
    replicates: Annotated[int, typer.Option("--replicates", help="Futures per set.")] = 16,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Root random seed.")] = 0,
    parameters: Annotated[str | None, typer.Option(
        "--parameters", help="Uncertainty ids to fit, comma-separated (default: all).")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("fit"),
    png: Annotated[bool, typer.Option("--png/--no-png", help="Write predictive.png.")] = True,
    executor: ExecutorKind = "local",
    workers: Workers = 2,
) -> None:
    """Fit the scenario's declared uncertainties to the observed history."""
    if out_dir.exists() and any(out_dir.iterdir()):
        raise fail(f"--out {out_dir}: folder exists and is not empty; choose another")
    names = [p.strip() for p in parameters.split(",") if p.strip()] if parameters else None
    spec = _executor_spec(executor, workers, None)
    with _estimating(method):
        result = fit(scenario, history, until=until, window_start=window_start, method=method,
                     budget=budget, replicates=replicates, seed=seed, parameters=names,
                     out=out_dir, plot=png, executor=spec)
    post = result.posterior
    ci = post.interval(0.9).reset_index()
    ci.columns = ["parameter", "mean", "5%", "95%"]
    for c in ("mean", "5%", "95%"):
        ci[c] = ci[c].map(lambda v: f"{v:.4g}")
    shares = result.identification()["share_of_prior"]
    ci["of prior"] = [f"{shares[name]:.0%}" for name in ci["parameter"]]
    w = result.meta["window"]
    out.print(_table(f"{method} posterior ({w['first']} to {w['last']}; log scale for "
                     "loguniform parameters; 'of prior': the 90% interval's width over the "
                     "prior's)", ci, right=("mean", "5%", "95%", "of prior")))
    ppc = post.predictive_check().reset_index()
    ppc = ppc[["statistic", "observed", "mean", "lower", "upper", "inside"]]
    for c in ("observed", "mean", "lower", "upper"):
        ppc[c] = ppc[c].map(lambda v: f"{v:.4g}")
    out.print(_table("Posterior-predictive check (90% interval)", ppc,
                     right=("observed", "mean", "lower", "upper")))
    cost = result.meta["cost"]
    say(f"ESS {post.ess:.0f}; {cost['parameter_sets']} parameter sets, {cost['futures']} "
        f"futures ({cost['future_months']} future-months) in {cost['seconds']:.1f} s; "
        f"wrote {out_dir}")


def backtest_command(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")],
    history: Annotated[Path, typer.Option("--history", help="History folder.")],
    origins: Annotated[str, typer.Option(
        "--origins", help="Origin months, comma-separated (YYYY-MM,...).")],
    horizon: Annotated[int, typer.Option("--horizon", help="Months forecast.")] = 24,
    method: Annotated[str, typer.Option("--method", help="abc | history-matching")] = "abc",
    budget: Annotated[int, typer.Option("--budget", help="Parameter sets per fit.")] = 100,
    replicates: Annotated[int, typer.Option("--replicates", help="Futures per set.")] = 8,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Root random seed.")] = 0,
    sets: Annotated[int, typer.Option("--sets", help="Posterior draws forecast.")] = 40,
    futures: Annotated[int, typer.Option("--futures", help="Futures per draw.")] = 10,
    start: Annotated[str, typer.Option(
        "--start", help="origin: start states built from data before each origin; "
                        "scenario: the scenario's own start state.")] = "origin",
    executor: ExecutorKind = "local",
    workers: Workers = 2,
) -> None:
    """Fit before each origin, forecast, and score the model against three baselines."""
    names = [o.strip() for o in origins.split(",") if o.strip()]
    spec = _executor_spec(executor, workers, None)
    with _estimating(method):
        result = backtest(scenario, history, names, horizon=horizon, method=method,
                          budget=budget, replicates=replicates, seed=seed, sets=sets,
                          futures=futures, start=start, executor=spec)

    def fmt(frame):
        frame = frame.copy()
        for c in frame.columns:
            if frame[c].dtype.kind == "f":
                frame[c] = frame[c].map(lambda v: f"{v:.3f}")
            elif frame[c].dtype.kind == "M":
                frame[c] = frame[c].dt.strftime("%Y-%m")
        return frame

    cols = ["origin", "baseline", "n", "brier", "log", "reliability", "resolution"]
    out.print(_table("Threshold questions per origin (lower Brier/log is better)",
                     fmt(result.questions[cols]), right=tuple(cols[2:])))
    out.print(_table("Pooled over origins", fmt(result.pooled[cols[1:]]),
                     right=tuple(cols[2:])))
    if len(result.paired):
        paired = result.paired.rename(columns={
            "difference": "model - baseline", "low_q": "95% (questions) low",
            "high_q": "high", "low_origin": "95% (origins) low", "high_origin": "high "})
        out.print(_table("Model minus baseline, Brier per question (negative: the model is "
                         "better); bootstrap over questions and over origins",
                         fmt(paired), right=tuple(paired.columns[1:])))
    if len(result.crps):
        c = result.crps.groupby(["series", "m", "baseline"], as_index=False)["crps"].mean()
        out.print(_table("Mean CRPS of monthly (m=1) and quarterly (m=3) totals, pooled",
                         fmt(c), right=("crps",)))
    if result.start == "origin":
        st = result.states
        origin_rows = st[(st["origin"] == st["month"]) & st["value"].notna()].astype(
            {"value": float})
        states = origin_rows.pivot_table(index="field", columns="origin", values="value",
                                         aggfunc="first", dropna=False)
        states.columns = [f"{c:%Y-%m}" for c in states.columns]
        states = states.reset_index()
        out.print(_table("Start state at each origin, built from data before it",
                         fmt(states), right=tuple(states.columns[1:])))
        say("limitation: other capabilities, objectives, commitments and dependences keep the "
            "scenario's 2024 values at every origin")
    else:
        say("limitation: every origin starts from the scenario's own start state; only the "
            "behavioural parameters are fitted on data before the origin")


def register(app: typer.Typer) -> None:
    """Add the estimation commands to the ``peninsula`` app."""
    app.add_typer(history_app, name="history")
    app.command("fit")(fit_command)
    app.command("backtest")(backtest_command)
