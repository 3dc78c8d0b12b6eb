"""The dependency-parse coder on the seed article, dated actors and the event store.

Changed with issue 14 (the parser coder replaced the word-pattern coder): "nuclear tests" with
no target is no longer an event (every event needs a source and a target), "Putin receiving
him" is not coded (``receive`` has no default code in CAMEO.2.0), "provided military technical
support" is coded as the PETRARCH dictionary codes it (root 05), and the Chinese envoy test
uses a sentence whose parse names the sender (the seed sentence's parse has no subject).
"""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("spacy", reason="the news coder needs the 'nlp' extra (spaCy)")

from peninsula.events.coder import (  # noqa: E402
    DictionaryCoder,
    ParserMissingError,
    events_to_batch,
    load_parser,
)
from peninsula.events.database import connect, insert_batch  # noqa: E402


@pytest.fixture(scope="module")
def coder() -> DictionaryCoder:
    try:
        load_parser()
    except ParserMissingError as exc:
        pytest.skip(f"no English spaCy model with a parser is installed: {exc}")
    return DictionaryCoder()


@pytest.fixture(scope="module")
def seed_events(coder, seed_text):
    return coder.code(seed_text, date(2024, 2, 1))


def find(events, source, target, codes):
    return [e for e in events if e.source == source and e.target == target
            and (e.cameo in codes or e.root_code in codes)]


def test_s4_fm_visit_and_meeting(seed_events):
    visit = find(seed_events, "PRK", "RUS", {"042"})
    assert any(e.source_actor == "PRKGOV" and "foreign minister visiting Russia" in e.sentence
               and e.line == 3 for e in visit)
    talks = find(seed_events, "RUS", "PRK", {"04"})
    assert any(e.source_actor == "RUSGOV" and e.target_actor == "PRKGOV" for e in talks)


def test_s4_russia_supports_dprk(seed_events):
    support = find(seed_events, "RUS", "PRK", {"05", "06", "07"})
    assert any("provided military technical support" in e.sentence for e in support)


def test_s2_nuclear_tests_without_target_give_no_event(seed_events):
    assert not [e for e in seed_events if e.root_code == "15"]


def test_chinese_vice_fm_sent_to_meet_dprk_fm(coder):
    text = ("China sent its deputy foreign minister to Pyongyang to meet the DPRK foreign "
            "minister.")
    events = coder.code(text, date(2024, 2, 1))
    met = find(events, "CHN", "PRK", {"04"})
    assert any(e.source_actor == "CHNGOV" and e.target_actor == "PRKGOV" for e in met), events


def test_dated_leaders_and_named_officials(coder):
    text = ("Choe Son Hui met Sergei Lavrov in Moscow. "
            "Sun Weidong visited Pyongyang. Yoon Suk Yeol criticized Kim Jong Un.")
    coded = coder.code(text, date(2024, 1, 16))
    events = {(e.source_actor, e.target_actor, e.cameo) for e in coded}
    assert ("PRKGOV", "RUSGOV", "040") in events
    assert ("CHNGOV", "PRK", "042") in events
    assert ("KORGOV", "PRKGOV", "111") in events
    # Before Yoon took office his name is not coded as the ROK government.
    early = coder.code("Yoon Suk Yeol criticized Kim Jong Un.", date(2019, 1, 1))
    assert not [e for e in early if e.source_actor == "KORGOV"]


def test_coded_events_store_in_events_table_idempotently(tmp_path, coder):
    text = ("Kim Jong Un called South Korea a hostile state. "
            "North Korea threatened South Korea with nuclear attack.")
    events = coder.code(text, date(2024, 2, 1))
    assert events
    con = connect(tmp_path / "e.duckdb")
    batch = events_to_batch(events, "wire.txt")
    first = insert_batch(con, batch)
    assert (first.inserted, first.rejected) == (len(events), 0)
    assert insert_batch(con, batch).inserted == 0
    row = con.execute("SELECT dataset, date::VARCHAR, json_extract_string(raw, '$.sentence') "
                      "FROM events WHERE source = 'PRK' AND target = 'KOR' AND "
                      "cameo LIKE '13%'").fetchone()
    assert row[:2] == ("coder", "2024-02-01") and "threatened" in row[2]
