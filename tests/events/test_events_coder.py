from __future__ import annotations

from datetime import date

import pytest

from peninsula.events.coder import DictionaryCoder, events_to_batch
from peninsula.events.database import connect, insert_batch


@pytest.fixture(scope="module")
def coder() -> DictionaryCoder:
    return DictionaryCoder()


@pytest.fixture(scope="module")
def seed_events(coder, seed_text):
    return coder.code(seed_text, date(2024, 2, 1))


def find(events, source, target, codes):
    return [e for e in events if e.source == source and e.target == target
            and (e.cameo in codes or e.root_code in codes)]


def test_s1_prk_hostility_toward_kor(seed_events):
    hits = find(seed_events, "PRK", "KOR", {"11", "12", "13", "16", "17"})
    assert hits, seed_events
    assert "number one enemy" in hits[0].sentence and hits[0].line == 1


def test_s2_prk_nuclear_tests(seed_events):
    hits = [e for e in seed_events if e.source == "PRK" and e.cameo.startswith("15")
            and "nuclear test" in e.words]
    assert hits and "underwater nuclear tests" in hits[0].sentence


def test_s4_fm_visit_and_putin_receiving_him(seed_events):
    visit = find(seed_events, "PRK", "RUS", {"042"})
    assert any(e.source_actor == "PRKGOV" and "foreign minister visiting Russia" in e.sentence
               for e in visit)
    hosted = find(seed_events, "RUS", "PRK", {"043"})
    assert any(e.source_actor == "RUSGOV" and e.target_actor == "PRKGOV" for e in hosted)


def test_s4_russia_dprk_military_cooperation(seed_events):
    military = find(seed_events, "RUS", "PRK", {"062", "072"}) + find(
        seed_events, "PRK", "RUS", {"062", "072"})
    assert any(e.source == "RUS" and "military technical support" in e.sentence
               for e in military)


def test_s7_chinese_vice_fm_meets_dprk_fm(seed_events):
    met = find(seed_events, "CHN", "PRK", {"04"})
    assert any(e.source_actor == "CHNGOV" and e.target_actor == "PRKGOV"
               and "deputy foreign minister" in e.sentence for e in met)


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


def test_coded_events_store_in_events_table_idempotently(tmp_path, seed_events):
    con = connect(tmp_path / "e.duckdb")
    batch = events_to_batch(seed_events, "northeast-asia-2024.txt")
    first = insert_batch(con, batch)
    assert (first.inserted, first.rejected) == (len(seed_events), 0)
    assert insert_batch(con, batch).inserted == 0
    row = con.execute("SELECT dataset, date::VARCHAR, goldstein, plover_type, "
                      "json_extract_string(raw, '$.sentence') FROM events "
                      "WHERE source = 'PRK' AND target = 'KOR'").fetchone()
    assert row[:4] == ("coder", "2024-02-01", -4.0, "SANCTION")
    assert "number one enemy" in row[4]
