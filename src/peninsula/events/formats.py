"""Event file formats: detection, reading into line batches, and the SQL that types each row.

Reading is split in two so that a million-row file loads at bulk speed: Python only reads and
splits the file into lines (keeping each line's number and text), and DuckDB does the rest in
one vectorised query per file — splitting fields, typing, mapping FIPS and country names to
ISO-3, looking up CAMEO codes, and writing a ``reason`` for every row it cannot accept.

Layouts (published codebooks):

- GDELT 1.0 daily export: tab-separated, no header, 57 columns (to March 2013) or 58 (adds
  ``SOURCEURL``); also read: the comma-separated variant with a header and R-style ``NA``.
- GDELT 2.0 event export: tab-separated, no header, 61 columns (geography blocks gain
  ``ADM2Code``; ``DATEADDED`` is ``YYYYMMDDHHMMSS``); ``.zip`` archives are read directly.
- ICEWS coded event data: tab-separated with a header, 20 columns; ``NA`` is empty.
- PLOVER / POLECAT: JSON lines, one event object per line (keys listed in ``PLOVER_KEYS``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np

from peninsula.errors import UserError
from peninsula.events.countries import name_to_iso3

FormatName = Literal["gdelt1", "gdelt2", "icews", "plover"]
FORMATS: Final[tuple[str, ...]] = ("gdelt1", "gdelt2", "icews", "plover")

#: Column counts of the tab-separated layouts.
GDELT1_COLUMNS: Final[tuple[int, ...]] = (57, 58)
GDELT2_COLUMNS: Final[int] = 61
ICEWS_COLUMNS: Final[int] = 20
ICEWS_HEADER_START: Final[str] = "Event ID\tEvent Date\tSource Name"

#: Normalised field order used for JSON lines and for coded text (``layout="normalized"``).
NORMALIZED_FIELDS: Final[tuple[str, ...]] = (
    "id", "date", "source", "target", "source_actor", "target_actor", "cameo",
    "plover_type", "goldstein", "quad_class", "mentions", "action_country", "doc_id",
)

#: Accepted keys of a PLOVER / POLECAT JSON object, first match wins.
PLOVER_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "id": ("id", "event_id", "Event ID"),
    "date": ("date", "event_date", "Event Date"),
    "plover_type": ("event", "event_type", "Event Type"),
    "source_actor": ("actor", "source", "actor_name", "Actor Name"),
    "source": ("actor_country", "source_country", "Actor Country"),
    "target_actor": ("recipient", "target", "recipient_name", "Recipient Name"),
    "target": ("recipient_country", "target_country", "Recipient Country"),
    "cameo": ("cameo", "cameo_code", "CAMEO Code"),
    "goldstein": ("goldstein", "intensity", "Intensity"),
    "quad_class": ("quad_class", "quad_code", "Quad Code"),
    "mentions": ("mentions", "num_mentions", "weight"),
    "action_country": ("country", "location_country", "Country"),
    "doc_id": ("url", "source_url", "doc_id", "story_id", "Story ID"),
}


class FormatError(UserError):
    """A file whose format cannot be detected or read; the message names file and line."""


@dataclass
class LineBatch:
    """The lines of one file ready for the typing query.

    ``raw`` is each line as it stands in the file; ``fields`` is the tab-joined field text
    where it differs from ``raw`` (comma-separated or JSON input), else ``None``.
    """

    name: str
    dataset: str
    layout: str
    line: np.ndarray
    raw: np.ndarray
    fields: np.ndarray | None = None
    rejects: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows read, accepted or not."""
        return len(self.line) + len(self.rejects)


def read_text(path: Path) -> tuple[str, str]:
    """Text of a plain, ``.gz`` or single-member ``.zip`` file, and the name to record for it."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
            if len(members) != 1:
                raise FormatError(f"{path}: expected one file in the zip archive, "
                                  f"found {len(members)}")
            data = archive.read(members[0])
            name = f"{path.name}:{members[0]}"
    elif path.suffix.lower() == ".gz":
        data = gzip.decompress(path.read_bytes())
        name = path.name
    else:
        data = path.read_bytes()
        name = path.name
    return data.decode("utf-8", errors="replace"), name


def split_lines(text: str) -> list[str]:
    """Split a text into lines without their line ends (LF or CR LF)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if text.find("\r") >= 0:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines


def detect_format(lines: Sequence[str], name: str) -> FormatName:
    """Guess the format from the first non-empty line; raise a ``FormatError`` saying why not."""
    first_index, first = next(((i, line) for i, line in enumerate(lines) if line.strip()),
                              (0, ""))
    if not first:
        raise FormatError(f"{name}: the file is empty; expected event rows")
    lineno = first_index + 1
    stripped = first.lstrip("\ufeff").lstrip()
    if stripped.startswith("{"):
        return "plover"
    if stripped.startswith(ICEWS_HEADER_START):
        return "icews"
    if stripped.startswith(('"GLOBALEVENTID",', "GLOBALEVENTID,")):
        return "gdelt1"
    count = stripped.count("\t") + 1
    if count in GDELT1_COLUMNS:
        return "gdelt1"
    if count == GDELT2_COLUMNS:
        return "gdelt2"
    raise FormatError(
        f"{name}, line {lineno}: cannot detect the format: found {count} tab-separated "
        "fields; expected 57 or 58 (GDELT 1.0), 61 (GDELT 2.0), an ICEWS header "
        "('Event ID<TAB>Event Date…') or a JSON object per line (PLOVER)"
    )


def read_batch(path: Path, fmt: str | None = None) -> LineBatch:
    """Read one event file into a ``LineBatch``; ``fmt`` names the format or ``None`` detects it."""
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    try:
        text, name = read_text(path)
    except (OSError, zipfile.BadZipFile, EOFError, gzip.BadGzipFile) as exc:
        raise FormatError(f"{path}: cannot read the file: {exc}") from exc
    lines = split_lines(text)
    del text
    if fmt is None:
        fmt = detect_format(lines, name)
    if fmt not in FORMATS:
        raise FormatError(f"{name}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    reader = _READERS[fmt]
    return reader(lines, name)


def _numbered(lines: list[str], start: int) -> tuple[np.ndarray, np.ndarray]:
    """Line numbers and texts of the non-blank lines from index ``start`` on."""
    if start:
        lines = lines[start:]
    if "" in lines:
        keep = [i for i, line in enumerate(lines) if line]
        numbers = np.asarray(keep, dtype=np.int64) + (start + 1)
        texts = np.empty(len(keep), dtype=object)
        texts[:] = [lines[i] for i in keep]
        return numbers, texts
    texts = np.empty(len(lines), dtype=object)
    texts[:] = lines
    return np.arange(start + 1, start + 1 + len(lines), dtype=np.int64), texts


def _read_gdelt1(lines: list[str], name: str) -> LineBatch:
    head = next((line for line in lines if line.strip()), "").lstrip("\ufeff")
    if head.startswith(('"GLOBALEVENTID",', "GLOBALEVENTID,")):
        return _read_delimited_csv(lines, name, "gdelt1", "gdelt1")
    start = 1 if head.startswith("GLOBALEVENTID\t") else 0
    numbers, texts = _numbered(lines, start)
    return LineBatch(name, "gdelt1", "gdelt1", numbers, texts)


def _read_gdelt2(lines: list[str], name: str) -> LineBatch:
    head = next((line for line in lines if line.strip()), "")
    start = 1 if head.startswith("GLOBALEVENTID\t") else 0
    numbers, texts = _numbered(lines, start)
    return LineBatch(name, "gdelt2", "gdelt2", numbers, texts)


def _read_icews(lines: list[str], name: str) -> LineBatch:
    head_index = next((i for i, line in enumerate(lines) if line.strip()), 0)
    head = lines[head_index].lstrip("\ufeff") if lines else ""
    if not head.startswith(ICEWS_HEADER_START):
        raise FormatError(f"{name}, line {head_index + 1}: expected the ICEWS header "
                          "'Event ID<TAB>Event Date<TAB>Source Name…'")
    numbers, texts = _numbered(lines, head_index + 1)
    return LineBatch(name, "icews", "icews", numbers, texts)


def _read_delimited_csv(lines: list[str], name: str, dataset: str, layout: str) -> LineBatch:
    """Comma-separated rows with a header (R exports): fields re-joined by tabs, ``NA`` → empty.

    The csv module keeps quoted fields that span lines together; the recorded line is the one
    the row starts on.
    """
    numbers: list[int] = []
    raws: list[str] = []
    fields: list[str] = []
    reader = csv.reader(io.StringIO("\n".join(lines) + "\n"))
    header_seen = False
    start = 1
    for row in reader:
        end = reader.line_num
        if not header_seen:
            header_seen = True
            start = end + 1
            continue
        if not row:
            start = end + 1
            continue
        numbers.append(start)
        raws.append("\n".join(lines[start - 1:end]))
        fields.append("\t".join("" if value == "NA" else value.replace("\t", " ")
                                for value in row))
        start = end + 1
    raw_arr = np.empty(len(raws), dtype=object)
    raw_arr[:] = raws
    field_arr = np.empty(len(fields), dtype=object)
    field_arr[:] = fields
    return LineBatch(name, dataset, layout, np.asarray(numbers, dtype=np.int64), raw_arr,
                     field_arr)


def _pick(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in obj and obj[key] not in (None, ""):
            return obj[key]
    return None


def _country(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    if len(text) == 3 and text.isalpha() and text.isupper():
        return text
    return name_to_iso3().get(text.lower(), "")


def _actor(value: Any) -> tuple[str, str]:
    """Actor text and country of a PLOVER actor, which may be a string or an object."""
    if isinstance(value, dict):
        name = _pick(value, ("code", "name", "text")) or ""
        return str(name), _country(_pick(value, ("country", "country_code", "iso3")))
    return ("" if value is None else str(value)), ""


def plover_fields(obj: Any) -> list[str]:
    """Normalised fields (``NORMALIZED_FIELDS`` order) of one PLOVER / POLECAT event object."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, found {type(obj).__name__}")
    values = {key: _pick(obj, keys) for key, keys in PLOVER_KEYS.items()}
    source_actor, source_country = _actor(values["source_actor"])
    target_actor, target_country = _actor(values["target_actor"])
    date = values["date"]
    if date is None:
        raise ValueError("missing event date (key 'date', 'event_date' or 'Event Date')")
    if values["plover_type"] is None and values["cameo"] is None:
        raise ValueError("missing event type (key 'event' or 'event_type') and CAMEO code")
    out = {
        "id": "" if values["id"] is None else str(values["id"]),
        "date": str(date)[:10],
        "source": _country(values["source"]) or source_country,
        "target": _country(values["target"]) or target_country,
        "source_actor": source_actor,
        "target_actor": target_actor,
        "cameo": "" if values["cameo"] is None else str(values["cameo"]),
        "plover_type": "" if values["plover_type"] is None else str(values["plover_type"]).upper(),
        "goldstein": "" if values["goldstein"] is None else str(values["goldstein"]),
        "quad_class": "" if values["quad_class"] is None else str(values["quad_class"]),
        "mentions": "" if values["mentions"] is None else str(values["mentions"]),
        "action_country": _country(values["action_country"]),
        "doc_id": "" if values["doc_id"] is None else str(values["doc_id"]),
    }
    return [out[key].replace("\t", " ").replace("\n", " ") for key in NORMALIZED_FIELDS]


def _read_plover(lines: list[str], name: str) -> LineBatch:
    numbers: list[int] = []
    raws: list[str] = []
    fields: list[str] = []
    rejects: list[tuple[int, str, str]] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            parsed = plover_fields(json.loads(line))
        except json.JSONDecodeError as exc:
            rejects.append((index + 1, f"not valid JSON: {exc.msg} at column {exc.colno}", line))
            continue
        except ValueError as exc:
            rejects.append((index + 1, str(exc), line))
            continue
        numbers.append(index + 1)
        raws.append(line)
        fields.append("\t".join(parsed))
    return normalized_batch(name, "plover", numbers, raws, fields, rejects)


def normalized_batch(name: str, dataset: str, numbers: Sequence[int], raws: Sequence[str],
                     fields: Sequence[str],
                     rejects: list[tuple[int, str, str]] | None = None) -> LineBatch:
    """Build a batch from rows already in ``NORMALIZED_FIELDS`` order (JSON lines, coded text)."""
    raw_arr = np.empty(len(raws), dtype=object)
    raw_arr[:] = list(raws)
    field_arr = np.empty(len(fields), dtype=object)
    field_arr[:] = list(fields)
    return LineBatch(name, dataset, "normalized", np.asarray(numbers, dtype=np.int64), raw_arr,
                     field_arr, rejects or [])


_READERS: Final[dict[str, Callable[[list[str], str], LineBatch]]] = {
    "gdelt1": _read_gdelt1,
    "gdelt2": _read_gdelt2,
    "icews": _read_icews,
    "plover": _read_plover,
}


# --------------------------------------------------------------------------------------------
# Typing queries. Each reads relation ``_batch(line, raw[, fields])`` and the reference tables
# ``_cameo``, ``_fips`` and ``_country_names``, and yields the event columns plus ``reason``
# (NULL when the row is accepted). ``f[i]`` is the i-th field, 1-based as in DuckDB lists.
# --------------------------------------------------------------------------------------------

def _nz(expr: str) -> str:
    return f"nullif(trim({expr}), '')"


def _gdelt_sql(dataset: str, counts: tuple[int, ...], geo: int, url: int | None,
               fields_col: str) -> str:
    """Query for GDELT 1.0 / 2.0 rows; ``geo`` and ``url`` are 1-based field positions."""
    expected = " or ".join(str(c) for c in counts)
    url_expr = f"CASE WHEN n >= {url} THEN {_nz(f'f[{url}]')} END" if url else "NULL"
    return f"""
    WITH s AS (
        SELECT line, raw, string_split({fields_col}, chr(9)) AS f FROM _batch
    ), t AS (
        SELECT line, raw, len(f) AS n, trim(f[1]) AS id,
               try_strptime(f[2], '%Y%m%d')::DATE AS date, f[2] AS date_text,
               {_nz('f[6]')} AS a1code, {_nz('f[8]')} AS a1country, {_nz('f[9]')} AS a1group,
               {_nz('f[16]')} AS a2code, {_nz('f[18]')} AS a2country, {_nz('f[19]')} AS a2group,
               trim(f[27]) AS code, {_nz('f[30]')} AS quad_text, {_nz('f[31]')} AS gold_text,
               {_nz('f[32]')} AS mentions_text,
               CASE WHEN n >= {geo} THEN {_nz(f'f[{geo}]')} END AS geo,
               {url_expr} AS url
        FROM s
    )
    SELECT
        '{dataset}:' || t.id AS event_key, '{dataset}' AS dataset, t.date,
        coalesce(t.a1country, t.a1group) AS source, coalesce(t.a2country, t.a2group) AS target,
        t.a1code AS source_actor, t.a2code AS target_actor,
        t.code AS cameo, c.root_code, c.plover_type,
        coalesce(try_cast(t.gold_text AS DOUBLE), c.goldstein) AS goldstein,
        coalesce(try_cast(t.quad_text AS TINYINT), c.quad_class) AS quad_class,
        try_cast(t.mentions_text AS INTEGER) AS mentions,
        g.iso3 AS action_country, t.url AS doc_id,
        t.line AS source_line, t.raw,
        CASE
            WHEN t.n NOT IN ({", ".join(str(c) for c in counts)}) THEN
                'expected {expected} tab-separated columns, found ' || t.n
            WHEN try_cast(t.id AS BIGINT) IS NULL THEN
                'GLOBALEVENTID is not an integer: ''' || t.id || ''''
            WHEN t.date IS NULL THEN
                'SQLDATE is not a YYYYMMDD date: ''' || coalesce(t.date_text, '') || ''''
            WHEN c.code IS NULL THEN
                'EventCode is not a CAMEO code: ''' || coalesce(t.code, '') || ''''
            WHEN t.gold_text IS NOT NULL AND try_cast(t.gold_text AS DOUBLE) IS NULL THEN
                'GoldsteinScale is not a number: ''' || t.gold_text || ''''
        END AS reason
    FROM t
    LEFT JOIN _cameo c ON c.code = t.code
    LEFT JOIN _fips g ON g.fips = t.geo
    """


def _icews_sql(fields_col: str) -> str:
    na = "NULLIF(NULLIF(trim({}), ''), 'NA')"
    return f"""
    WITH s AS (
        SELECT line, raw, string_split({fields_col}, chr(9)) AS f FROM _batch
    ), t AS (
        SELECT line, raw, len(f) AS n, trim(f[1]) AS id, trim(f[2]) AS date_text,
               try_strptime(f[2], '%Y-%m-%d')::DATE AS date,
               {na.format('f[3]')} AS sname, {na.format('f[5]')} AS scountry,
               trim(f[7]) AS code, {na.format('f[8]')} AS gold_text,
               {na.format('f[9]')} AS tname, {na.format('f[11]')} AS tcountry,
               {na.format('f[12]')} AS story, {na.format('f[13]')} AS sentence,
               {na.format('f[18]')} AS geo
        FROM s
    )
    SELECT
        'icews:' || t.id || ':' || t.date_text AS event_key, 'icews' AS dataset, t.date,
        sc.iso3 AS source, tc.iso3 AS target, t.sname AS source_actor, t.tname AS target_actor,
        coalesce(c.code, c0.code) AS cameo, coalesce(c.root_code, c0.root_code) AS root_code,
        coalesce(c.plover_type, c0.plover_type) AS plover_type,
        coalesce(try_cast(t.gold_text AS DOUBLE), c.goldstein_icews, c0.goldstein_icews)
            AS goldstein,
        coalesce(c.quad_class, c0.quad_class) AS quad_class,
        NULL::INTEGER AS mentions, gc.iso3 AS action_country,
        t.story || CASE WHEN t.sentence IS NULL THEN '' ELSE '#' || t.sentence END AS doc_id,
        t.line AS source_line, t.raw,
        CASE
            WHEN t.n <> {ICEWS_COLUMNS} THEN
                'expected {ICEWS_COLUMNS} tab-separated columns, found ' || t.n
            WHEN t.id = '' THEN 'Event ID is empty'
            WHEN t.date IS NULL THEN
                'Event Date is not a YYYY-MM-DD date: ''' || coalesce(t.date_text, '') || ''''
            WHEN coalesce(c.code, c0.code) IS NULL THEN
                'CAMEO Code is not a CAMEO code: ''' || coalesce(t.code, '') || ''''
            WHEN t.gold_text IS NOT NULL AND try_cast(t.gold_text AS DOUBLE) IS NULL THEN
                'Intensity is not a number: ''' || t.gold_text || ''''
        END AS reason
    FROM t
    LEFT JOIN _cameo c ON c.code = t.code
    LEFT JOIN _cameo c0 ON c.code IS NULL AND length(t.code) < 3 AND c0.code = '0' || t.code
    LEFT JOIN _country_names sc ON sc.name = lower(t.scountry)
    LEFT JOIN _country_names tc ON tc.name = lower(t.tcountry)
    LEFT JOIN _country_names gc ON gc.name = lower(t.geo)
    """


def _normalized_sql(dataset: str, fields_col: str) -> str:
    nz = _nz
    return f"""
    WITH s AS (
        SELECT line, raw, string_split({fields_col}, chr(9)) AS f FROM _batch
    ), t AS (
        SELECT line, raw, len(f) AS n, {nz('f[1]')} AS id, trim(f[2]) AS date_text,
               coalesce(try_strptime(f[2], '%Y-%m-%d'), try_strptime(f[2], '%Y%m%d'))::DATE
                   AS date,
               {nz('f[3]')} AS source, {nz('f[4]')} AS target,
               {nz('f[5]')} AS source_actor, {nz('f[6]')} AS target_actor,
               {nz('f[7]')} AS code, {nz('f[8]')} AS ptype, {nz('f[9]')} AS gold_text,
               {nz('f[10]')} AS quad_text, {nz('f[11]')} AS mentions_text,
               {nz('f[12]')} AS action_country, {nz('f[13]')} AS doc_id
        FROM s
    )
    SELECT
        '{dataset}:' || coalesce(t.id, md5(t.raw)) AS event_key, '{dataset}' AS dataset, t.date,
        t.source, t.target, t.source_actor, t.target_actor,
        c.code AS cameo, c.root_code, coalesce(p.event_type, c.plover_type) AS plover_type,
        coalesce(try_cast(t.gold_text AS DOUBLE), c.goldstein) AS goldstein,
        coalesce(try_cast(t.quad_text AS TINYINT), c.quad_class, p.quad_class) AS quad_class,
        try_cast(t.mentions_text AS INTEGER) AS mentions, t.action_country, t.doc_id,
        t.line AS source_line, t.raw,
        CASE
            WHEN t.n <> {len(NORMALIZED_FIELDS)} THEN
                'expected {len(NORMALIZED_FIELDS)} fields, found ' || t.n
            WHEN t.date IS NULL THEN
                'date is not a YYYY-MM-DD date: ''' || coalesce(t.date_text, '') || ''''
            WHEN t.code IS NOT NULL AND c.code IS NULL THEN
                'not a CAMEO code: ''' || t.code || ''''
            WHEN t.ptype IS NOT NULL AND p.event_type IS NULL THEN
                'not a PLOVER event type: ''' || t.ptype || ''''
            WHEN t.gold_text IS NOT NULL AND try_cast(t.gold_text AS DOUBLE) IS NULL THEN
                'goldstein/intensity is not a number: ''' || t.gold_text || ''''
        END AS reason
    FROM t
    LEFT JOIN _cameo c ON c.code = t.code
    LEFT JOIN _plover p ON p.event_type = upper(t.ptype)
    """


def typing_sql(batch: LineBatch) -> str:
    """Return the typing query for a batch (see the section comment above)."""
    fields_col = "raw" if batch.fields is None else "fields"
    if batch.layout == "gdelt1":
        return _gdelt_sql("gdelt1", GDELT1_COLUMNS, geo=52, url=58, fields_col=fields_col)
    if batch.layout == "gdelt2":
        return _gdelt_sql("gdelt2", (GDELT2_COLUMNS,), geo=54, url=61, fields_col=fields_col)
    if batch.layout == "icews":
        return _icews_sql(fields_col)
    if batch.layout == "normalized":
        return _normalized_sql(batch.dataset, fields_col)
    raise FormatError(f"{batch.name}: no typing query for layout {batch.layout!r}")
