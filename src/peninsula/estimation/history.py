"""Read a folder of historical event data laid out like ``shared/data/history/``.

One typed reader per file (:data:`FILES` lists them with the columns each must have). Every
reader checks its columns and values and reports each problem as ``file, line N, column C:
expected …, got …`` in one :class:`HistoryError`. Files may be missing: :func:`read_history`
lists them in :attr:`History.missing` rather than failing, unless they are named in
``required``.

Nothing after the cut is read, and that is enforced in one place, :func:`apply_cut`: a row is
kept only when what it reports was *known* before the cut (an event: its date is before the
cut; a monthly or yearly aggregate: its whole period ends before it), and an end date after
the cut (an incident, crisis or cyber campaign still going on at the cut) is blanked and the
row flagged ``ongoing_at_cut``. The default cut is the project's vantage point, 2024-02-15;
a later cut is refused.

The package ships none of these files (their licences differ; see the folder's README).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from peninsula.errors import UserError

__all__ = [
    "ACTORS",
    "FILES",
    "VANTAGE",
    "Column",
    "FileSpec",
    "History",
    "HistoryError",
    "apply_cut",
    "parse_until",
    "read_history",
    "read_table",
]

#: The project's forecasting vantage point: nothing on or after this day may be read.
VANTAGE = dt.date(2024, 2, 15)

#: The six actors' ISO-3 codes, as the history files use them.
ACTORS = ("PRK", "KOR", "CHN", "RUS", "USA", "JPN")

#: Problems listed per file before the rest are summarised in one line.
_MAX_PROBLEMS = 20

Kind = Literal["str", "int", "float", "date", "month", "year", "actor", "enum"]


class HistoryError(UserError):
    """A history folder or file that cannot be read: missing, malformed or after the cut."""


@dataclass(frozen=True)
class Column:
    """One documented column: its name, its type and whether it may be empty."""

    name: str
    kind: Kind = "str"
    optional: bool = False
    values: frozenset[str] | None = None


@dataclass(frozen=True)
class FileSpec:
    """One history file: its name, the columns the readers use, and how it is cut.

    ``known`` says when a row became known: ``("event", col)`` at the end of the day ``col``;
    ``("month", col)`` / ``("year", col)`` at the end of that period. ``ends`` are end dates
    blanked when they fall after the cut.
    """

    key: str
    filename: str
    columns: tuple[Column, ...]
    known: tuple[Literal["event", "month", "year"], str]
    ends: tuple[str, ...] = ()
    description: str = ""


def _cols(spec: str, kind: Kind, optional: bool = False) -> tuple[Column, ...]:
    return tuple(Column(n, kind, optional) for n in spec.split())


_MISSILE_TYPES = frozenset({"SRBM", "MRBM", "IRBM", "ICBM", "SLBM", "SLV", "HGV", "cruise",
                            "unknown"})

FILES: dict[str, FileSpec] = {s.key: s for s in (
    FileSpec(
        "missile_tests", "dprk_missile_tests.csv",
        (Column("date", "date"),
         Column("date_precision", "enum", values=frozenset({"day", "month"})),
         Column("launch_event"), *_cols("missile_seq_in_event missiles_in_event", "int"),
         Column("missile_name", optional=True),
         Column("missile_type", "enum", values=_MISSILE_TYPES),
         Column("outcome", "enum", values=frozenset({"success", "failure", "unknown"})),
         *_cols("apogee_km distance_km", "float", optional=True)),
        ("event", "date"), description="DPRK missile tests, one row per missile (CNS)"),
    FileSpec(
        "nuclear_tests", "dprk_nuclear_tests.csv",
        (Column("test_number", "int"), Column("date", "date")),
        ("event", "date"), description="DPRK nuclear tests (CSIS)"),
    FileSpec(
        "provocations", "dprk_provocations_monthly.csv",
        (Column("month", "month"),
         *_cols("missile conventional nuclear_test nuclear_program hybrid cyber terror other "
                "total max_severity sum_severity", "int")),
        ("month", "month"), description="DPRK provocations per month by category (CSIS)"),
    FileSpec(
        "incidents", "mid_incidents.csv",
        (*_cols("incident_id dispute_id", "int"), *_cols("start_date end_date", "date"),
         *_cols("actor_a actor_b", "actor"), *_cols("hiact hostlev fatality", "int")),
        ("event", "start_date"), ends=("end_date",),
        description="militarized incidents by directed dyad (COW MID 5.0)"),
    FileSpec(
        "crises", "icb_crises.csv",
        (Column("crisno", "int"), Column("crisname"), *_cols("actor adversary", "actor"),
         *_cols("trigger_date termination_date", "date"),
         *_cols("triggr majres sevvio", "int", optional=True)),
        ("event", "trigger_date"), ends=("termination_date",),
        description="international crises between two of the six (ICB v15)"),
    FileSpec(
        "icews", "icews_dyad_year.csv",
        (Column("year", "year"), *_cols("source target", "actor"),
         *_cols("verbal_cooperation material_cooperation verbal_conflict material_conflict",
                "int")),
        ("year", "year"), description="ICEWS quad-class counts by directed dyad-year"),
    FileSpec(
        "gdelt", "gdelt_composite_daily.csv",
        (Column("date", "date"), *_cols("actor_a actor_b", "actor"),
         *_cols("score day_abs_sum_all_country_pairs", "float")),
        ("event", "date"), description="GDELT composite dyad score per day"),
    FileSpec(
        "cyber", "cyber_incidents.csv",
        (Column("dcid_id", "int"), *_cols("start_date end_date", "date"),
         *_cols("initiator target", "actor"), Column("severity", "int")),
        ("event", "start_date"), ends=("end_date",),
        description="state cyber incidents (DCID 2.0)"),
)}


def parse_until(until: str | dt.date | None) -> dt.date:
    """The exclusive cut date for ``until``.

    ``YYYY-MM`` keeps that whole month, ``YYYY-MM-DD`` keeps that day; ``None`` is the vantage
    point. A cut after the vantage point is refused.
    """
    if until is None:
        return VANTAGE
    if isinstance(until, dt.date):
        cut = until + dt.timedelta(days=1)
    elif re.fullmatch(r"\d{4}-\d{2}", until.strip()):
        y, m = (int(x) for x in until.strip().split("-"))
        if not 1 <= m <= 12:
            raise HistoryError(f"until {until!r}: expected a month YYYY-MM (01..12)")
        cut = dt.date(y + (m == 12), m % 12 + 1, 1)
    else:
        try:
            cut = dt.date.fromisoformat(until.strip()) + dt.timedelta(days=1)
        except ValueError:
            raise HistoryError(f"until {until!r}: expected YYYY-MM or YYYY-MM-DD") from None
    if cut > VANTAGE:
        raise HistoryError(f"until {until!r}: data after the vantage point "
                           f"{VANTAGE.isoformat()} may not be read (latest: 2024-02-14)")
    return cut


def _bad_rows(raw: pd.Series, parsed: pd.Series, optional: bool) -> np.ndarray:
    empty = raw.str.strip() == ""
    bad = parsed.isna() & ~empty
    if not optional:
        bad |= empty
    return np.flatnonzero(bad.to_numpy())


def _expected(col: Column) -> str:
    return {
        "int": "an integer", "float": "a number", "date": "a date YYYY-MM-DD",
        "month": "a month YYYY-MM", "year": "a year YYYY",
        "actor": f"one of {', '.join(ACTORS)}",
        "enum": f"one of {', '.join(sorted(col.values or ()))}", "str": "a value",
    }[col.kind]


def _parse(raw: pd.Series, col: Column) -> pd.Series:
    text = raw.str.strip()
    if col.kind == "int":
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        return num.where(num.isna() | (num == num.round())).astype("Int64")
    if col.kind == "float":
        return pd.to_numeric(text.where(text != ""), errors="coerce").astype(float)
    if col.kind == "date":
        return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if col.kind == "month":
        return pd.to_datetime(text, format="%Y-%m", errors="coerce")
    if col.kind == "year":
        ok = text.str.fullmatch(r"\d{4}")
        return pd.to_numeric(text.where(ok), errors="coerce").astype("Int64")
    allowed = set(ACTORS) if col.kind == "actor" else col.values
    if allowed is not None:
        return text.where(text.isin(allowed))
    return text.where(text != "")


def read_table(path: Path, spec: FileSpec) -> pd.DataFrame:
    """Read one history file as typed columns (extra columns are kept as text).

    Raises :class:`HistoryError` naming the file, line and column of every problem.
    """
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise HistoryError(f"{path}: cannot be read as a UTF-8 CSV file ({exc})") from None
    missing = [c.name for c in spec.columns if c.name not in raw.columns]
    if missing:
        raise HistoryError(f"{path}, line 1: missing column(s) {', '.join(missing)} "
                           f"(expected the columns of {spec.filename} in the history README)")
    problems: list[str] = []
    out = raw.copy()
    for col in spec.columns:
        parsed = _parse(raw[col.name], col)
        for i in _bad_rows(raw[col.name], parsed, col.optional):
            problems.append(f"{path}, line {i + 2}, column {col.name}: expected "
                            f"{_expected(col)}, got {raw[col.name].iat[i]!r}")
        out[col.name] = parsed
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        if len(problems) > _MAX_PROBLEMS:
            shown.append(f"{path}: … and {len(problems) - _MAX_PROBLEMS} more problems")
        error = HistoryError("\n".join(shown))
        error.problems = shown
        raise error
    return out


def _known_at(table: pd.DataFrame, spec: FileSpec) -> pd.Series:
    """When each row became known (exclusive: the day after the event or period)."""
    how, col = spec.known
    if how == "event":
        return table[col] + pd.Timedelta(days=1)
    if how == "month":
        return table[col] + pd.offsets.MonthBegin(1)
    years = table[col].astype("int64")
    return pd.to_datetime({"year": years + 1, "month": 1, "day": 1})


def apply_cut(table: pd.DataFrame, spec: FileSpec, cut: dt.date) -> pd.DataFrame:
    """The rows of ``table`` known before ``cut``; end dates after it blanked and flagged.

    This is the only place where the cut is applied; every reader goes through it.
    """
    limit = pd.Timestamp(cut)
    kept = table.loc[(_known_at(table, spec) <= limit).to_numpy()].copy()
    if spec.ends:
        ongoing = np.zeros(len(kept), dtype=bool)
        for col in spec.ends:
            late = (kept[col] >= limit).to_numpy()
            ongoing |= late
            kept.loc[late, col] = pd.NaT
        kept["ongoing_at_cut"] = ongoing
    return kept.reset_index(drop=True)


@dataclass(frozen=True)
class History:
    """The typed tables of a history folder, all cut before :attr:`cut`.

    ``tables`` maps a key of :data:`FILES` to its frame; ``missing`` names the files that
    were not in the folder.
    """

    folder: Path
    cut: dt.date
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    def has(self, key: str) -> bool:
        """Whether the table ``key`` was read (present, possibly empty after the cut)."""
        return key in self.tables

    def table(self, key: str) -> pd.DataFrame:
        """The table ``key``; a :class:`HistoryError` naming the file when it is missing."""
        if key not in self.tables:
            raise HistoryError(f"{self.folder / FILES[key].filename}: file missing "
                               f"({FILES[key].description} is needed here)")
        return self.tables[key]


def read_history(folder: Path | str, *, until: str | dt.date | None = None,
                 required: Iterable[str] = ()) -> History:
    """Read every history file present in ``folder``, keeping only what is known before the cut.

    Parameters
    ----------
    folder : path
        A folder laid out like ``shared/data/history/`` (file names as in :data:`FILES`).
    until : str or date, optional
        Last month (``YYYY-MM``) or day (``YYYY-MM-DD``) to read; default the vantage point.
    required : iterable of str
        Keys of :data:`FILES` that must be present; others may be missing.

    """
    folder = Path(folder)
    cut = parse_until(until)
    required = tuple(required)
    unknown = [k for k in required if k not in FILES]
    if unknown:
        raise HistoryError(f"unknown history series {', '.join(unknown)}: expected some of "
                           f"{', '.join(FILES)}")
    if not folder.is_dir():
        raise HistoryError(f"{folder}: not a folder (expected a history folder with "
                           f"{', '.join(s.filename for s in FILES.values())})")
    tables: dict[str, pd.DataFrame] = {}
    missing: list[str] = []
    problems: list[str] = []
    for key, spec in FILES.items():
        path = folder / spec.filename
        if not path.is_file():
            missing.append(key)
            continue
        try:
            tables[key] = apply_cut(read_table(path, spec), spec, cut)
        except HistoryError as exc:
            problems.extend(str(p) for p in exc.problems)
    problems.extend(f"{folder / FILES[k].filename}: file missing (required)"
                    for k in required if k in missing)
    if not tables and not problems:
        problems.append(f"{folder}: none of the history files is there (expected "
                        f"{', '.join(s.filename for s in FILES.values())})")
    if problems:
        error = HistoryError("\n".join(problems))
        error.problems = problems
        raise error
    return History(folder=folder, cut=cut, tables=tables, missing=tuple(missing))
