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
from peninsula.errors import UserError
from peninsula.events.actors import builtin_actors, load_phoenix_actors
from peninsula.events.calibration import calibrate_relations, write_calibrated
from peninsula.events.coder import DictionaryCoder, ParserMissingError, events_to_batch
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
    created = not db.exists()
    con = _open_db(db)
    table = Table(title=f"Imported into {db}")
    for column in ("file", "format", "rows", "inserted", "already present", "rejected"):
        table.add_column(column, justify="left" if column in ("file", "format") else "right")
    total_rejected = 0
    stored = 0
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=_err(), transient=True) as progress:
        task = progress.add_task("starting", total=None)
        for path in files:
            try:
                result = import_file(con, path, fmt,
                                     progress=lambda msg: progress.update(task, description=msg))
            except FormatError as exc:
                _close_failed(con, db, created and not stored)
                raise _fail(str(exc)) from None
            except (KeyboardInterrupt, duckdb.InterruptException):
                _close_failed(con, db, created and not stored)
                _err().print(f"interrupted: database unchanged for {path}", markup=False,
                             highlight=False)
                raise typer.Exit(130) from None
            except duckdb.Error as exc:
                _close_failed(con, db, created and not stored)
                raise _fail(f"{path}: import failed, database unchanged for this file: "
                            f"{str(exc).splitlines()[0]}") from None
            stored += 1
            total_rejected += result.rejected
            table.add_row(result.file, result.dataset, f"{result.rows_read:,}",
                          f"{result.inserted:,}", f"{result.already_present:,}",
                          f"{result.rejected:,}")
    con.close()
    _out().print(table)
    if total_rejected:
        _out().print(f"{total_rejected:,} rows rejected: see the 'rejects' table "
                       "(file, line, reason).")


def _open_db(db: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open an event database, or exit with one line saying why not."""
    if db.is_dir():
        raise _fail(f"{db}: is a directory; expected a DuckDB database file")
    if read_only and not db.is_file():
        raise _fail(f"{db}: no such database; run 'peninsula events import' first")
    created = not db.exists()
    try:
        if read_only:
            return duckdb.connect(str(db), read_only=True)
        return connect(db)
    except duckdb.Error as exc:
        if created:
            _remove_db(db)
        raise _fail(f"{db}: cannot open as a DuckDB event database: "
                    f"{str(exc).splitlines()[0]}") from None


def _remove_db(db: Path) -> None:
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)


def _close_failed(con: duckdb.DuckDBPyConnection, db: Path, remove: bool) -> None:
    """Close after a failed import; remove the database file if this command created it."""
    con.close()
    if remove:
        _remove_db(db)


def _check_out_folder(option: str, path: Path | None) -> None:
    """Refuse an output path whose folder does not exist (folders are not created)."""
    if path is None:
        return
    folder = path.parent
    if not folder.is_dir():
        raise _fail(f"{option} {path}: folder {folder} does not exist; create it first")
    if path.is_dir():
        raise _fail(f"{option} {path}: is a directory; expected a file name")


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
    _check_out_folder("--png", png)
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
    created = not db.exists()
    con = _open_db(db)
    added = 0
    try:
        try:
            con.execute("ATTACH ? AS sim (READ_ONLY)", [str(path)])
            low, high = con.execute(
                "SELECT min(future), max(future) FROM sim.simulated_events").fetchone()
        except duckdb.Error as exc:
            raise _fail(f"{path}: not a run's results with simulated events: "
                        f"{str(exc).splitlines()[0]}") from None
        if low is None:
            raise _fail(f"{path}: the run recorded no simulated events")
        if not low <= future <= high:
            raise _fail(f"--future {future}: expected a future from {low} to {high} "
                        f"(this run has {high - low + 1:,})")
        names = ", ".join(EVENT_COLUMN_NAMES)
        try:
            con.execute("BEGIN TRANSACTION")
            added = con.execute(f"""
                INSERT INTO events ({names})
                SELECT {names} FROM sim.simulated_events s
                WHERE s.future = ? AND NOT EXISTS (
                    SELECT 1 FROM events e WHERE e.event_key = s.event_key)""", [future]
                                ).fetchone()[0]
            con.execute("COMMIT")
        except duckdb.Error as exc:
            raise _fail(f"{path}: {str(exc).splitlines()[0]}") from None
    except typer.Exit:
        con.close()
        if created:
            _remove_db(db)
        raise
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
    dataset: Annotated[list[str] | None, typer.Option(
        "--dataset", help="Use only events of this dataset (repeatable; default: every dataset "
                          "but 'simulated' and 'coder').")] = None,
) -> None:
    """Set a scenario's starting relations from the last months of real events."""
    if window < 1:
        raise _fail(f"--window {window}: expected at least 1 month")
    if prior_weight < 0:
        raise _fail(f"--prior-weight {prior_weight:g}: expected a weight ≥ 0")
    _check_out_folder("-o", out)
    con = _open_db(db, read_only=True)
    try:
        loaded = load_scenario(scenario)
        calibrations = calibrate_relations(con, loaded, window=window, shrinkage=prior_weight,
                                           end=end, datasets=dataset)
        write_calibrated(scenario, calibrations, prior_weight, out)
    except (ScenarioError, UserError) as exc:
        raise user_error(exc) from None
    except (ValueError, duckdb.Error) as exc:
        raise _fail(str(exc).splitlines()[0]) from None
    finally:
        con.close()
    table = Table(title=f"{loaded.scenario.name}: relations from events "
                        f"{calibrations[0].first_month}..{calibrations[0].last_month}")
    for column in ("pair", "events", "weight", "mean Goldstein", "prior", "calibrated"):
        table.add_column(column, justify="left" if column == "pair" else "right")
    for cal in calibrations:
        table.add_row(f"{cal.source}-{cal.target}", f"{cal.rows:,}", f"{cal.weight:g}",
                      "-" if cal.mean_goldstein is None else f"{cal.mean_goldstein:+.2f}",
                      f"{cal.prior:+g}", f"{cal.relation:+.2f}")
    _out().print(table)
    _out().print(f"wrote {out}", markup=False)


def code_command(
    files: Annotated[list[Path], typer.Argument(help="English news text files.")],
    day: Annotated[str, typer.Option("--date", help="Date of the articles, YYYY-MM-DD.")],
    db: Annotated[Path | None, typer.Option(
        "--db", help="Also store the events in this DuckDB database.")] = None,
    actors: Annotated[list[Path] | None, typer.Option(
        "--actors", help="Extra Phoenix-style actor CSV files.")] = None,
) -> None:
    """Code news text into CAMEO events with the dependency-parse coder and print them.

    Each event is printed with its CAMEO code and name, its actors, the words that triggered
    it and its sentence; domestic events (same country on both sides) are marked.
    """
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise _fail(f"--date {day!r}: expected YYYY-MM-DD, e.g. 2024-02-01") from None
    coder = _coder(actors or [])
    con = None
    if db is not None:
        con = _open_db(db)
    table = Table(title=f"Coded events ({when})")
    for column in ("file:line", "source", "target", "CAMEO", "event", "trigger", "sentence"):
        table.add_column(column, overflow="fold")
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(f"{path}: cannot read as UTF-8 text: {exc}") from None
        events = coder.code(text, when)
        for event in events:
            name = event.name + (" (domestic)" if event.domestic else "")
            table.add_row(escape(f"{path.name}:{event.line}"), escape(event.source_actor),
                          escape(event.target_actor or "–"), event.cameo, escape(name),
                          escape(event.words), escape(event.sentence))
        if con is not None:
            result = insert_batch(con, events_to_batch(events, path.name),
                                  key=str(path.resolve()))
            _err().print(f"{path.name}: {result.inserted} events stored in {db}, "
                          f"{result.already_present} already present", highlight=False)
    if con is not None:
        con.close()
    _out().print(table)


def _coder(extra_actors: list[Path]) -> DictionaryCoder:
    """The coder with the built-in and extra actors, its parser loaded (or a clear error)."""
    try:
        entries = builtin_actors()
    except UserError as exc:
        raise user_error(exc) from None
    for path in extra_actors:
        try:
            entries += load_phoenix_actors(path)
        except (OSError, KeyError, ValueError) as exc:
            raise _fail(f"{path}: expected a Phoenix actor CSV (phrase, synonyms, code, "
                        f"date_from, date_to): {exc}") from None
    coder = DictionaryCoder(actors=entries)
    try:
        coder.nlp  # noqa: B018 - load the spaCy model now, to report a missing one cleanly
    except ParserMissingError as exc:
        raise missing_extra("nlp", "peninsula code", exc) from None
    return coder


