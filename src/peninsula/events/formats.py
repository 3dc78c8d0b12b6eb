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

import bz2
import csv
import gzip
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
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


#: Rows per batch handed to DuckDB: memory stays bounded whatever the file size.
BATCH_ROWS: Final[int] = 50_000
_BLOCK_BYTES: Final[int] = 1 << 22
_SNIFF_BYTES: Final[int] = 1 << 16

#: Magic bytes of compressed or binary files that are not read (first match wins).
_UNREAD_MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x04\x22\x4d\x18", "lz4"), (b"Rar!", "rar"), (b"PAR1", "Parquet"),
)


class EventFile:
    """An open event file: its recorded ``name``, resolved ``key``, binary stream and format.

    ``batches()`` decodes it line by line into ``LineBatch`` objects of at most ``batch_rows``
    rows each (plus that stretch's rejects), so a file of any size is read in bounded memory.
    """

    def __init__(self, path: Path, fmt: str | None = None, batch_rows: int = BATCH_ROWS) -> None:
        self.path = path
        self.batch_rows = max(1, int(batch_rows))
        self._closers: list[Any] = []
        self.stream, self.name, self.key = _open_stream(path, self._closers)
        try:
            try:
                head = self.stream.read(_SNIFF_BYTES)
            except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
                raise FormatError(f"{self.name}: cannot read the file: {exc}") from exc
            _check_text(head, self.name)
            self._lines = _decoded_blocks(self.stream, head, self.name)
            self._peeked: list[tuple[int, list[str], list[tuple[int, str, str]]]] = []
            if fmt is None:
                fmt = self._detect()
            if fmt not in FORMATS:
                raise FormatError(f"{self.name}: unknown format {fmt!r}; expected one of "
                                  f"{', '.join(FORMATS)}")
        except BaseException:
            self.close()
            raise
        self.format: str = fmt

    def _detect(self) -> FormatName:
        """Peek blocks until a non-blank line shows, and detect the format from it."""
        for block in self._lines:
            self._peeked.append(block)
            start, lines, _bad = block
            for i, line in enumerate(lines):
                if line.strip():
                    return detect_format([line], self.name, first_line=start + i)
        raise FormatError(f"{self.name}: the file is empty; expected event rows")

    def blocks(self) -> Iterator[tuple[int, list[str], list[tuple[int, str, str]]]]:
        """``(first line number, lines, undecodable-line rejects)`` of the whole file."""
        yield from self._peeked
        self._peeked = []
        yield from self._lines

    def batches(self) -> Iterator[LineBatch]:
        """The file's rows in batches of at most ``batch_rows`` rows."""
        return _STREAM_READERS[self.format](self)

    def close(self) -> None:
        """Close the file (and the archive or decompressor reading it)."""
        for item in reversed(self._closers):
            item.close()
        self._closers = []

    def __enter__(self) -> EventFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_stream(path: Path, closers: list[Any]) -> tuple[Any, str, str]:
    """A binary stream of the file's (decompressed) bytes, its recorded name and resolved key."""
    if path.is_dir():
        raise FormatError(f"{path}: is a directory; expected an event file")
    if not path.exists():
        raise FormatError(f"{path}: no such file")
    key = str(path.resolve())
    try:
        raw = path.open("rb")
        closers.append(raw)
        magic = raw.read(8)
        raw.seek(0)
        if magic.startswith(b"\x1f\x8b"):
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        elif magic.startswith(b"BZh"):
            stream = bz2.BZ2File(raw, mode="rb")
        elif magic.startswith(b"PK\x03\x04") or magic.startswith(b"PK\x05\x06"):
            archive = zipfile.ZipFile(raw)
            closers.append(archive)
            members = [m for m in archive.namelist() if not m.endswith("/")]
            if len(members) != 1:
                raise FormatError(f"{path}: expected one file in the zip archive, "
                                  f"found {len(members)}")
            stream = archive.open(members[0])
            closers.append(stream)
            return stream, f"{path.name}:{members[0]}", f"{key}:{members[0]}"
        else:
            for prefix, kind in _UNREAD_MAGIC:
                if magic.startswith(prefix):
                    raise FormatError(f"{path}: compressed file: {kind}; expected plain text, "
                                      "gzip, bz2 or a zip archive — decompress it first")
            if path.suffix.lower() in (".gz", ".bz2", ".zip"):
                raise FormatError(f"{path}: not a {path.suffix[1:]} file (its first bytes "
                                  f"are {magic[:4].hex(' ')}); expected a {path.suffix[1:]} "
                                  "archive")
            return raw, path.name, key
        closers.append(stream)
        return stream, path.name, key
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        for item in reversed(closers):
            item.close()
        closers.clear()
        raise FormatError(f"{path}: cannot read the file: {exc}") from exc
    except BaseException:
        for item in reversed(closers):
            item.close()
        closers.clear()
        raise


def _check_text(head: bytes, name: str) -> None:
    """Refuse UTF-16/32 and binary data up front: it would otherwise reject every row."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FormatError(f"{name}: the file is UTF-16 encoded (byte-order mark "
                          f"{head[:2].hex(' ').upper()}); expected UTF-8 text — convert it, "
                          "e.g. iconv -f UTF-16 -t UTF-8")
    nul = head.find(b"\x00")
    if nul >= 0:
        line = head.count(b"\n", 0, nul) + 1
        raise FormatError(f"{name}, line {line}: NUL byte at byte {nul}; expected UTF-8 text "
                          "(is the file UTF-16 encoded, or binary?)")


def _decode_error(line: bytes) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (f"not valid UTF-8: byte 0x{line[exc.start]:02x} at column {exc.start + 1}; "
                "expected UTF-8 text")
    return "not valid UTF-8"


def _decode_body(body: bytes, number: int) -> tuple[list[str], list[tuple[int, str, str]]]:
    """Lines of a block of whole lines; undecodable or NUL lines are blanked and rejected."""
    rejects: list[tuple[int, str, str]] = []
    try:
        lines = body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        lines = []
        for i, raw in enumerate(body.split(b"\n")):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                text = raw.decode("utf-8", errors="replace").rstrip("\r")
                rejects.append((number + i, _decode_error(raw), text))
                lines.append("")
    if b"\r" in body:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if b"\x00" in body:
        for i, line in enumerate(lines):
            if "\x00" in line:
                rejects.append((number + i, "NUL byte in the line; expected UTF-8 text",
                                line.replace("\x00", "\ufffd")))
                lines[i] = ""
    return lines, rejects


def _decoded_blocks(stream: Any, head: bytes, name: str
                    ) -> Iterator[tuple[int, list[str], list[tuple[int, str, str]]]]:
    """Whole lines of the stream, decoded, in blocks of about 4 MiB.

    Yields ``(number of the block's first line, lines, rejects)``: a line with bytes that are not
    UTF-8 is left blank in ``lines`` and listed in ``rejects`` with its reason (never silently
    replaced). A BOM at the start of the file is dropped; line ends are LF or CR LF.
    """
    pending = head
    number = 1
    first = True
    while True:
        try:
            data = stream.read(_BLOCK_BYTES)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise FormatError(f"{name}, after line {number - 1}: cannot read the file: {exc}"
                              ) from exc
        if data:
            block = pending + data
            cut = block.rfind(b"\n")
            if cut < 0:
                pending = block
                continue
            body, pending = block[:cut], block[cut + 1:]
        else:
            if not pending:
                return
            body, pending = pending, b""
        if first:
            first = False
            if body.startswith(b"\xef\xbb\xbf"):
                body = body[3:]
        lines, rejects = _decode_body(body, number)
        yield number, lines, rejects
        number += len(lines)
        if not data:
            return


def read_text(path: Path) -> tuple[str, str]:
    """Text of a plain, gzip, bz2 or single-member zip file, and the name to record for it.

    Small files only (tests, tools): imports stream the file with :class:`EventFile`.
    """
    closers: list[Any] = []
    stream, name, _key = _open_stream(path, closers)
    try:
        try:
            head = stream.read(_SNIFF_BYTES)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise FormatError(f"{name}: cannot read the file: {exc}") from exc
        _check_text(head, name)
        lines = [line for _n, block, _bad in _decoded_blocks(stream, head, name)
                 for line in block]
    finally:
        for item in reversed(closers):
            item.close()
    return "\n".join(lines) + ("\n" if lines else ""), name


def split_lines(text: str) -> list[str]:
    """Split a text into lines without their line ends (LF or CR LF)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if text.find("\r") >= 0:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines


def detect_format(lines: Sequence[str], name: str, first_line: int = 1) -> FormatName:
    """Guess the format from the first non-empty line; raise a ``FormatError`` saying why not."""
    first_index, first = next(((i, line) for i, line in enumerate(lines) if line.strip()),
                              (0, ""))
    if not first:
        raise FormatError(f"{name}: the file is empty; expected event rows")
    lineno = first_index + first_line
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


def open_event_file(path: str | Path, fmt: str | None = None,
                    batch_rows: int = BATCH_ROWS) -> EventFile:
    """Open an event file for streaming (format named or detected); close it when done."""
    return EventFile(Path(path), fmt, batch_rows)


def read_batch(path: Path, fmt: str | None = None) -> LineBatch:
    """Read a whole event file into one ``LineBatch`` (small files; imports stream instead)."""
    with open_event_file(path, fmt) as source:
        parts = list(source.batches())
    return merge_batches(parts, source.name, source.format)


def merge_batches(parts: list[LineBatch], name: str, dataset: str) -> LineBatch:
    """One batch holding the rows of several (of the same file)."""
    if not parts:
        return LineBatch(name, dataset, "normalized" if dataset == "plover" else dataset,
                         np.empty(0, dtype=np.int64), np.empty(0, dtype=object))
    first = parts[0]
    fields = (None if first.fields is None
              else np.concatenate([p.fields for p in parts if p.fields is not None]))
    return LineBatch(first.name, first.dataset, first.layout,
                     np.concatenate([p.line for p in parts]),
                     np.concatenate([p.raw for p in parts]), fields,
                     [r for p in parts for r in p.rejects])


class _Collector:
    """Accumulates numbered rows and rejects, and cuts them into batches of ``size`` rows."""

    def __init__(self, source: EventFile, dataset: str, layout: str, with_fields: bool) -> None:
        self.source, self.dataset, self.layout = source, dataset, layout
        self.with_fields = with_fields
        self.numbers: list[int] = []
        self.raws: list[str] = []
        self.fields: list[str] = []
        self.rejects: list[tuple[int, str, str]] = []

    def full(self) -> bool:
        return len(self.numbers) + len(self.rejects) >= self.source.batch_rows

    def take(self) -> LineBatch:
        raw_arr = np.empty(len(self.raws), dtype=object)
        raw_arr[:] = self.raws
        field_arr = None
        if self.with_fields:
            field_arr = np.empty(len(self.fields), dtype=object)
            field_arr[:] = self.fields
        batch = LineBatch(self.source.name, self.dataset, self.layout,
                          np.asarray(self.numbers, dtype=np.int64), raw_arr, field_arr,
                          self.rejects)
        self.numbers, self.raws, self.fields, self.rejects = [], [], [], []
        return batch


def _stream_plain(source: EventFile, dataset: str, header: str | None,
                  header_required: bool) -> Iterator[LineBatch]:
    """Tab-separated rows, one per non-blank line, after an optional (or required) header."""
    out = _Collector(source, dataset, dataset, with_fields=False)
    seen_first = False
    for start, lines, bad in source.blocks():
        out.rejects.extend(bad)
        offset = 0
        if not seen_first:
            index = next((i for i, line in enumerate(lines) if line.strip()), None)
            if index is None:
                continue
            seen_first = True
            is_header = header is not None and lines[index].lstrip().startswith(header)
            if header_required and not is_header:
                raise FormatError(f"{source.name}, line {start + index}: expected the ICEWS "
                                  "header 'Event ID<TAB>Event Date<TAB>Source Name…'")
            offset = index + 1 if is_header else index
        size = source.batch_rows
        i = offset
        while i < len(lines):
            room = size - len(out.numbers) - len(out.rejects)
            if room <= 0:
                yield out.take()
                continue
            chunk = lines[i:i + room]
            if "" in chunk:
                keep = [j for j, line in enumerate(chunk) if line]
                out.numbers.extend(start + i + j for j in keep)
                out.raws.extend(chunk[j] for j in keep)
            else:
                out.numbers.extend(range(start + i, start + i + len(chunk)))
                out.raws.extend(chunk)
            i += len(chunk)
            if out.full():
                yield out.take()
    if out.numbers or out.rejects:
        yield out.take()


def _stream_gdelt1(source: EventFile) -> Iterator[LineBatch]:
    head = _first_line(source)
    if head.startswith(('"GLOBALEVENTID",', "GLOBALEVENTID,")):
        return _stream_csv(source, "gdelt1", "gdelt1")
    return _stream_plain(source, "gdelt1", "GLOBALEVENTID\t", header_required=False)


def _stream_gdelt2(source: EventFile) -> Iterator[LineBatch]:
    return _stream_plain(source, "gdelt2", "GLOBALEVENTID\t", header_required=False)


def _stream_icews(source: EventFile) -> Iterator[LineBatch]:
    return _stream_plain(source, "icews", ICEWS_HEADER_START, header_required=True)


def _first_line(source: EventFile) -> str:
    """The first non-blank line (peeked: the stream is not consumed)."""
    for block in source._lines if not source._peeked else []:
        source._peeked.append(block)
        if any(line.strip() for line in block[1]):
            break
    for _start, lines, _bad in source._peeked:
        for line in lines:
            if line.strip():
                return line.lstrip()
    return ""


def _stream_csv(source: EventFile, dataset: str, layout: str) -> Iterator[LineBatch]:
    """Comma-separated rows with a header (R exports): fields re-joined by tabs, ``NA`` → empty.

    The csv module keeps quoted fields that span lines together; the recorded line is the one
    the row starts on.
    """
    out = _Collector(source, dataset, layout, with_fields=True)
    window: list[str] = []  # lines of the row being read

    def lines() -> Iterator[str]:
        for _start, block, bad in source.blocks():
            out.rejects.extend(bad)
            for line in block:
                window.append(line)
                yield line

    reader = csv.reader(lines())
    header_seen = False
    start = 1
    try:
        for row in reader:
            end = reader.line_num
            raw = "\n".join(window)
            window.clear()
            if not header_seen or not row:
                header_seen = header_seen or bool(row)
                start = end + 1
                continue
            out.numbers.append(start)
            out.raws.append(raw)
            out.fields.append("\t".join("" if value == "NA" else value.replace("\t", " ")
                                        for value in row))
            start = end + 1
            if out.full():
                yield out.take()
    except csv.Error as exc:
        raise FormatError(f"{source.name}, line {reader.line_num}: not valid CSV: {exc}"
                          ) from exc
    if out.numbers or out.rejects:
        yield out.take()


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


def _stream_plover(source: EventFile) -> Iterator[LineBatch]:
    out = _Collector(source, "plover", "normalized", with_fields=True)
    for start, lines, bad in source.blocks():
        out.rejects.extend(bad)
        for index, line in enumerate(lines, start):
            if not line.strip():
                continue
            try:
                parsed = plover_fields(json.loads(line))
            except json.JSONDecodeError as exc:
                out.rejects.append((index, f"not valid JSON: {exc.msg} at column {exc.colno}",
                                    line))
            except (ValueError, RecursionError) as exc:
                out.rejects.append((index, str(exc) if isinstance(exc, ValueError)
                                    else "JSON nested too deeply", line))
            else:
                out.numbers.append(index)
                out.raws.append(line)
                out.fields.append("\t".join(parsed))
            if out.full():
                yield out.take()
    if out.numbers or out.rejects:
        yield out.take()


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


_STREAM_READERS: Final[dict[str, Callable[[EventFile], Iterator[LineBatch]]]] = {
    "gdelt1": _stream_gdelt1,
    "gdelt2": _stream_gdelt2,
    "icews": _stream_icews,
    "plover": _stream_plover,
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
