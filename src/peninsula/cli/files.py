"""``peninsula export``, ``schema`` and ``new``: results out as files, scenarios in as files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from peninsula.cli.console import fail, note, out, say, user_error
from peninsula.scenario.reference import scenario_json_schema
from peninsula.scenario.templates import new_scenario_yaml
from peninsula.store.export import FORMATS, ExportError, export_results


def export_command(
    results: Annotated[str, typer.Argument(
        help="A run or exploration folder, or its results.duckdb / exploration.duckdb.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"{' or '.join(FORMATS)}.")] = "csv",
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the files (default: <results folder>/export-<format>).")
    ] = None,
) -> None:
    """Write every table of stored results as CSV or Parquet files, one per table."""
    source = Path(results)
    folder = out_dir or (source if source.is_dir() else source.parent) / f"export-{fmt}"
    try:
        written = export_results(source, folder, fmt)
    except ExportError as exc:
        raise user_error(exc) from None
    except KeyboardInterrupt:
        note(f"interrupted: every file already in {folder} is complete (a partly written one "
             "is removed); run the same command again to export everything")
        raise typer.Exit(130) from None
    except OSError as exc:
        raise fail(f"cannot write in {folder}: {exc.strerror or exc}") from None
    table = Table(title=escape(f"Exported {source} as {fmt}"))
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("file")
    for item in written:
        table.add_row(escape(item.table), f"{item.rows:,}", escape(str(item.path)))
    out.print(table)


def schema_command(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the schema to this file instead of printing it.")] = None,
) -> None:
    """Print the JSON Schema of a scenario file (for editors and validators)."""
    text = json.dumps(scenario_json_schema(), indent=2)
    if output is None:
        typer.echo(text)
        return
    try:
        output.write_text(text + "\n")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    say(f"Wrote the scenario JSON Schema to {output}")


def new_command(
    name: Annotated[str, typer.Argument(help="Scenario name (lower case, digits, - and _).")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="File to write (default: NAME.yaml here).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a minimal valid 3-actor scenario to start from."""
    try:
        text = new_scenario_yaml(name)
    except ValueError as exc:
        raise user_error(exc) from None
    path = output or Path(f"{name}.yaml")
    if path.exists() and not force:
        raise fail(f"{path} already exists; choose another --output or add --force")
    try:
        path.write_text(text)
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or exc}") from None
    say(f"Wrote {path}. Next: peninsula validate {path}   |   peninsula run {path} -n 1000")
