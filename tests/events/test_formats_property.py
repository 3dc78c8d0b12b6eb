"""Property: any bytes read as any event format give rows/rejects or a FormatError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.events.formats import FormatError, open_event_file

LINES = st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=80), max_size=8)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])
DATA = st.one_of(st.binary(max_size=300),
                 st.builds(lambda lines, enc, tabs: ("\n".join(
                     line if not tabs else "\t".join([line] * tabs) for line in lines)
                     ).encode(enc, errors="replace"), LINES, ENCODINGS,
                     st.sampled_from([0, 19, 56, 57, 60])))


def _read(data: bytes, fmt: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.txt"
        path.write_bytes(data)
        try:
            with open_event_file(path, fmt, batch_rows=3) as source:
                for batch in source.batches():
                    assert len(batch.line) == len(batch.raw)
                    assert batch.rows <= 3 + len(batch.rejects)
                    assert all(isinstance(r[1], str) and r[1] for r in batch.rejects)
        except FormatError as exc:
            assert str(exc)


@pytest.mark.parametrize("fmt", ["gdelt1", "gdelt2", "icews", "plover", None])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=DATA)
def test_any_bytes_give_rows_rejects_or_format_error(fmt, data):
    _read(data, fmt)


@settings(max_examples=40, deadline=None)
@given(data=st.builds(lambda head, lines: ("\n".join([head, *lines])).encode(),
                      st.sampled_from(['"GLOBALEVENTID",a,b', '{"date": "2024-01-01"}',
                                       "Event ID\tEvent Date\tSource Name"]), LINES))
def test_csv_and_json_variants(data):
    _read(data, None)
