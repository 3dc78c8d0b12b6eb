"""Command line: ``peninsula events import|summary`` and ``peninsula code``.

``events_app`` is a Typer app for the lead CLI to mount as ``events``; ``code_command`` is a
plain function with Typer-annotated parameters to register as the top-level ``code`` command.
Bad input prints one line naming the file, line and what was expected, and exits with code 2.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from peninsula.cli.console import fail as _fail
from peninsula.cli.console import missing_extra, user_error
from peninsula.events.actors import builtin_actors, load_phoenix_actors
from peninsula.events.calibration import calibrate_relations, write_calibrated
from peninsula.events.coder import DictionaryCoder, events_to_batch
from peninsula.events.database import connect, import_file, insert_batch
from peninsula.events.formats import FORMATS, FormatError
from peninsula.events.schema import EVENT_COLUMN_NAMES
from peninsula.events.summary import plot_summary, summarise_dyad
from peninsula.scenario.loading import ScenarioError, load_scenario

events_app = typer.Typer(help="Import real event data and summarise dyads.",
                         no_args_is_help=True, add_completion=False)



def _out() -> Console:
    """Console for results, created per call so that it sees the current terminal width."""
    return Console()


def _err() -> Console:
    """Console for errors and progress (stderr)."""
    return Console(stderr=True)




@events_app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="Event files (GDELT, ICEWS, PLOVER).")],
    db: Annotated[Path, typer.Option("--db", help="DuckDB database file.")] = Path(
        "events.duckdb"),
    fmt: Annotated[str | None, typer.Option(
        "--format", help=f"One of {', '.join(FORMATS)}; detected when left out.")] = None,
) -> None:
    """Import event files into the ``events`` table, one transaction per file."""
    if fmt is not None and fmt not in FORMATS:
        raise _fail(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    try:
        con = connect(db)
    except duckdb.Error as exc:
        raise _fail(f"{db}: cannot open the database: {exc}") from None
    table = Table(title=f"Imported into {db}")
    for column in ("file", "format", "rows", "inserted", "already present", "rejected"):
        table.add_column(column, justify="left" if column in ("file", "format") else "right")
    total_rejected = 0
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=_err(), transient=True) as progress:
        task = progress.add_task("starting", total=None)
        for path in files:
            try:
                result = import_file(con, path, fmt,
                                     progress=lambda msg: progress.update(task, description=msg))
            except FormatError as exc:
                con.close()
                raise _fail(str(exc)) from None
            except duckdb.Error as exc:
                con.close()
                raise _fail(f"{path}: import failed, database unchanged for this file: "
                            f"{str(exc).splitlines()[0]}") from None
            total_rejected += result.rejected
            table.add_row(result.file, result.dataset, f"{result.rows_read:,}",
                          f"{result.inserted:,}", f"{result.already_present:,}",
                          f"{result.rejected:,}")
    con.close()
    _out().print(table)
    if total_rejected:
        _out().print(f"{total_rejected:,} rows rejected: see the 'rejects' table "
                       "(file, line, reason).")


@events_app.command("summary")
def summary_command(
    dyad: Annotated[str, typer.Option("--dyad", help="Two actor codes, e.g. PRK-KOR.")],
    start: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    end: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    db: Annotated[Path, typer.Option("--db", help="DuckDB database file.")] = Path(
        "events.duckdb"),
    top: Annotated[int, typer.Option("--top", min=0, help="List the N most frequent actions.")
                   ] = 0,
    png: Annotated[Path | None, typer.Option("--png", help="Write a plot to this PNG.")] = None,
    table: Annotated[str, typer.Option(
        "--table", help="Table or view: 'events', or 'simulated_events' in a run's results.duckdb."
    )] = "events",
    dataset: Annotated[str | None, typer.Option(
        "--dataset", help="Only events of this dataset (gdelt1, icews, coder, simulated ...).")
    ] = None,
    future: Annotated[int | None, typer.Option(
        "--future", help="Only this simulated future (with --table simulated_events).")] = None,
) -> None:
    """Monthly event counts and mean Goldstein in each direction of a dyad."""
    if not db.is_file():
        raise _fail(f"{db}: no such database; run 'peninsula events import' first")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise _fail(f"--table {table!r}: expected a table name")
    try:
        con = duckdb.connect(str(db), read_only=True)
        conditions = []
        if dataset is not None:
            conditions.append("dataset = '" + dataset.replace("'", "''") + "'")
        if future is not None:
            conditions.append(f"future = {int(future)}")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        relation = f"(SELECT * FROM {table}{where})" if where else table
        summary = summarise_dyad(con, dyad, start, end, relation=relation, top=top)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    except duckdb.Error as exc:
        raise _fail(f"{db}: {str(exc).splitlines()[0]}") from None
    a, b = summary.dyad
    table = Table(title=f"{a}–{b}, {summary.start} to {summary.end} "
                        "(events: joint events weighted 1/n)")
    table.add_column("month")
    for src, tgt in ((a, b), (b, a)):
        table.add_column(f"{src}→{tgt} events", justify="right")
        table.add_column(f"{src}→{tgt} Goldstein", justify="right")
    months = sorted({row.month for row in summary.months})
    for month in months:
        cells = [month]
        for src, tgt in ((a, b), (b, a)):
            row = next(r for r in summary.months
                       if r.month == month and r.source == src and r.target == tgt)
            cells.append(f"{row.events:g}")
            cells.append("–" if row.mean_goldstein is None else f"{row.mean_goldstein:+.2f}")
        table.add_row(*cells)
    _out().print(table)
    if summary.top_actions:
        actions = Table(title=f"Top {top} actions per direction")
        for column in ("direction", "CAMEO", "action", "events"):
            actions.add_column(column, justify="right" if column == "events" else "left")
        for row in summary.top_actions:
            actions.add_row(f"{row.source}→{row.target}", row.cameo, row.description,
                            f"{row.events:g}")
        _out().print(actions)
    if png is not None:
        try:
            written = plot_summary(summary, png)
        except ImportError as exc:
            raise missing_extra("plot", "--png", exc) from None
        _out().print(f"plot written to {written}", markup=False)


@events_app.command("export-sim")
def export_sim_command(
    results: Annotated[Path, typer.Argument(help="A run's folder or its results.duckdb.")],
    db: Annotated[Path, typer.Option("--db", help="Event database to add the stream to.")] = Path(
        "events.duckdb"),
    future: Annotated[int, typer.Option("--future", help="Which simulated future.")] = 0,
) -> None:
    """Add one simulated future's event stream to an event database (dataset 'simulated')."""
    path = results / "results.duckdb" if results.is_dir() else results
    if not path.is_file():
        raise _fail(f"{path}: no such results file; run 'peninsula run' first")
    con = connect(db)
    try:
        con.execute(f"ATTACH '{path}' AS sim (READ_ONLY)")
        names = ", ".join(EVENT_COLUMN_NAMES)
        con.execute("BEGIN TRANSACTION")
        before = con.execute("SELECT count(*) FROM events").fetchone()[0]
        con.execute(f"""
            INSERT INTO events ({names})
            SELECT {names} FROM sim.simulated_events s
            WHERE s.future = ? AND NOT EXISTS (
                SELECT 1 FROM events e WHERE e.event_key = s.event_key)""", [future])
        added = con.execute("SELECT count(*) FROM events").fetchone()[0] - before
        con.execute("COMMIT")
    except duckdb.Error as exc:
        raise _fail(f"{path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    _out().print(f"added {added} simulated events of future {future} to {db}")


def calibrate_command(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")],
    db: Annotated[Path, typer.Option("--db", help="Event database (peninsula events import).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Calibrated scenario to write.")],
    window: Annotated[int, typer.Option("--window", help="Months of events before the start.")
                      ] = 12,
    prior_weight: Annotated[float, typer.Option(
        "--prior-weight", help="Weight of the scenario's own relation, in events.")] = 30.0,
    end: Annotated[str | None, typer.Option(
        "--end", help="Last month of events used, YYYY-MM (default: the month before the start).")
    ] = None,
) -> None:
    """Set a scenario's starting relations from the last months of real events."""
    if not db.is_file():
        raise _fail(f"{db}: no such database; run 'peninsula events import' first")
    try:
        loaded = load_scenario(scenario)
        con = duckdb.connect(str(db), read_only=True)
        calibrations = calibrate_relations(con, loaded, window=window, shrinkage=prior_weight,
                                           end=end)
        write_calibrated(scenario, calibrations, prior_weight, out)
    except ScenarioError as exc:
        raise user_error(exc) from None
    except (ValueError, duckdb.Error) as exc:
        raise _fail(str(exc).splitlines()[0]) from None
    table = Table(title=f"{loaded.scenario.name}: relations from events "
                        f"{calibrations[0].first_month}..{calibrations[0].last_month}")
    for column in ("pair", "events", "mean Goldstein", "prior", "calibrated"):
        table.add_column(column, justify="left" if column == "pair" else "right")
    for cal in calibrations:
        table.add_row(f"{cal.source}-{cal.target}", f"{cal.weight:g}",
                      "-" if cal.mean_goldstein is None else f"{cal.mean_goldstein:+.2f}",
                      f"{cal.prior:+g}", f"{cal.relation:+.2f}")
    _out().print(table)
    _out().print(f"wrote {out}")


def code_command(
    files: Annotated[list[Path], typer.Argument(help="English news text files.")],
    day: Annotated[str, typer.Option("--date", help="Date of the articles, YYYY-MM-DD.")],
    db: Annotated[Path | None, typer.Option(
        "--db", help="Also store the events in this DuckDB database.")] = None,
    actors: Annotated[list[Path] | None, typer.Option(
        "--actors", help="Extra Phoenix-style actor CSV files.")] = None,
) -> None:
    """Code news text into CAMEO events with the dictionary coder and print them."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise _fail(f"--date {day!r}: expected YYYY-MM-DD, e.g. 2024-02-01") from None
    entries = builtin_actors()
    for path in actors or []:
        try:
            entries += load_phoenix_actors(path)
        except (OSError, KeyError, ValueError) as exc:
            raise _fail(f"{path}: expected a Phoenix actor CSV (phrase, synonyms, code, "
                        f"date_from, date_to): {exc}") from None
    coder = DictionaryCoder(actors=entries)
    try:
        import spacy  # noqa: F401 - the coder's tokenizer, an optional extra
    except ImportError as exc:
        raise missing_extra("nlp", "peninsula code", exc) from None
    con = None
    if db is not None:
        con = connect(db)
    table = Table(title=f"Coded events ({when})")
    for column in ("file:line", "source", "target", "CAMEO", "words", "sentence"):
        table.add_column(column, overflow="fold")
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(f"{path}: cannot read as UTF-8 text: {exc}") from None
        events = coder.code(text, when)
        for event in events:
            table.add_row(escape(f"{path.name}:{event.line}"), escape(event.source_actor),
                          escape(event.target_actor or "–"), event.cameo, escape(event.words),
                          escape(event.sentence))
        if con is not None:
            result = insert_batch(con, events_to_batch(events, path.name))
            _err().print(f"{path.name}: {result.inserted} events stored in {db}, "
                          f"{result.already_present} already present", highlight=False)
    if con is not None:
        con.close()
    _out().print(table)


