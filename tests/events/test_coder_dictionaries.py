"""Readers of the PETRARCH-2 dictionary formats and the shipped coder data (issue 14)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from datetime import date
from importlib import resources

import pytest

from peninsula.events.actors import builtin_actors
from peninsula.events.dictionaries import officeholders, petrarch_dictionaries
from peninsula.events.petrarch import (
    DictionaryFormatError,
    read_actor_dictionary,
    read_agent_dictionary,
    read_discard_list,
    read_verb_dictionary,
    read_word_list,
)

VERBS = """\
# comment
####### SYNONYM SETS #######
&WEAPON
+MISSILE
+ARTILLERY_SHELL

####### VERB PATTERNS #######
---  SUPPLY   [070]  ---
SUPPLY {SUPPLYING SUPPLIED SUPPLIES }
+SHIP_OUT [071]
- * &WEAPON (TO $)                                   [072]         # SUPPLY
- ILLEGALLY * {NUCLEAR MATERIAL}                     [---]         # SUPPLY

---  MEET   [040]  ---
MEET {MEETS MET}
- * (FOR TALKS)                                      [046:046]     # MEET

######## TRANSFORMATIONS ##########
~ a (b . ATTACK) SAY = a b 112
#~ a (a b WILL_ATTACK) SAY = a b 138  # commented out
~ a (_ b ASSASSINATE) ATTEMPT = a b 185
"""

ACTORS = """\
NORTH_KOREA_  [PRK]
+DPRK_
KIM_JONG_UN_  # comment
+KIM_JONG-UN
\t[PRKELI 840101-111216]
\t[PRKGOV >111217]
UNCODED_
"""

AGENTS = """\
!MINIST! = MINISTER, MINISTRY
FOREIGN_!MINIST! [~GOV]
POLICE {} [~COP]
SOLDIER [~MIL]
"""


def test_verb_reader_synsets_blocks_and_patterns(tmp_path):
    path = tmp_path / "verbs.txt"
    path.write_text(VERBS, encoding="utf-8")
    verbs = read_verb_dictionary(path)
    assert verbs.synsets["&WEAPON"] == ("missile", "artillery shell")
    supply, meet = verbs.blocks
    assert (supply.name, supply.code, supply.verbs) == ("SUPPLY", "070",
                                                        {"supply": "", "ship out": "071"})
    first, second = supply.patterns
    assert (first.pre, first.post, first.code) == ((), (("&WEAPON",), ("(", "to")), "072")
    assert (second.pre, second.post, second.code) == ((("illegally",),),
                                                      (("{", "nuclear", "material"),), "---")
    assert meet.patterns[0].code == "046:046" and meet.patterns[0].size == 2
    assert first.size == 2 and second.size == 3


def test_verb_reader_transformations(tmp_path):
    path = tmp_path / "verbs.txt"
    path.write_text(VERBS, encoding="utf-8")
    say, attempt = read_verb_dictionary(path).transformations
    assert (say.outer, say.inner, say.inner_source, say.inner_target, say.source, say.target,
            say.code) == ("say", "attack", "b", ".", "a", "b", "112")
    assert (attempt.outer, attempt.inner, attempt.inner_source, attempt.code) == (
        "attempt", "assassinate", "_", "185")
    path.write_text(VERBS + "~ a (b c ATTACK) SAY = a c 112\n", encoding="utf-8")
    with pytest.raises(DictionaryFormatError, match=r"verbs\.txt:22: expected a transformation"):
        read_verb_dictionary(path)


def test_discard_reader_marks_story_discards(tmp_path):
    path = tmp_path / "discards.txt"
    path.write_text("# header\n1914\nYEARS AGO   # ab\n+WORLD_CUP\n+ World Golf Championships\n"
                    "GROUP A_\n", encoding="utf-8")
    assert read_discard_list(path) == [("1914", False), ("years ago", False),
                                       ("world cup", True), ("world golf championships", True),
                                       ("group a", False)]


def test_verb_reader_names_file_and_line_of_a_bad_pattern(tmp_path):
    path = tmp_path / "verbs.txt"
    path.write_text(VERBS.replace("[072]", ""), encoding="utf-8")
    with pytest.raises(DictionaryFormatError, match=r"verbs\.txt:11: pattern without a"):
        read_verb_dictionary(path)


def test_actor_reader_dated_codes(tmp_path):
    path = tmp_path / "actors.txt"
    path.write_text(ACTORS, encoding="utf-8")
    entries = read_actor_dictionary(path)
    assert {(e.phrase, e.code) for e in entries if e.code == "PRK"} == {
        ("north korea", "PRK"), ("dprk", "PRK")}
    kim = [e for e in entries if e.phrase == "kim jong-un"]
    assert {(e.code, e.date_from, e.date_to) for e in kim} == {
        ("PRKELI", date(1984, 1, 1), date(2011, 12, 16)), ("PRKGOV", date(2011, 12, 17), None)}
    assert not [e for e in entries if e.phrase == "uncoded"]


def test_actor_reader_bad_date_raises_or_is_collected(tmp_path):
    path = tmp_path / "actors.txt"
    path.write_text(ACTORS.replace(">111217", ">1112170"), encoding="utf-8")
    with pytest.raises(DictionaryFormatError, match=r"actors\.txt:6: expected a date"):
        read_actor_dictionary(path)
    skipped: list[str] = []
    assert read_actor_dictionary(path, skipped) and len(skipped) == 1


def test_agent_reader_expands_substitutions_and_plurals(tmp_path):
    path = tmp_path / "agents.txt"
    path.write_text(AGENTS, encoding="utf-8")
    agents = read_agent_dictionary(path)
    assert agents == {"foreign minister": "GOV", "foreign ministry": "GOV", "police": "COP",
                      "soldier": "MIL", "soldiers": "MIL"}
    lists = tmp_path / "list.txt"
    lists.write_text("# c\nabout\nagainst # x\n", encoding="utf-8")
    assert read_word_list(lists) == ["about", "against"]


def test_shipped_dictionaries_load_with_provenance():
    data = resources.files("peninsula.events").joinpath("data")
    document = json.loads(gzip.decompress(data.joinpath("petrarch2.json.gz").read_bytes()))
    assert "676801cd9cb2924bbbad09f86d15c9323e7097bf" in document["provenance"]["source"]
    assert "MIT License" in data.joinpath("LICENSE-petrarch2.txt").read_text(encoding="utf-8")
    dictionaries = petrarch_dictionaries()
    assert len(dictionaries.actors) > 40_000 and len(dictionaries.verbs) > 1_000
    assert dictionaries.verbs["accuse"][0].code == "112"
    assert len(dictionaries.transformations) == 8
    assert dictionaries.discards["world cup"] is True and dictionaries.discards["1994"] is False


def test_officeholders_have_sources_and_nothing_after_the_vantage_point():
    text = resources.files("peninsula.events").joinpath(
        "data", "officeholders_2014_2024.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["code"][:3] for r in rows} >= {"PRK", "KOR", "USA", "CHN", "RUS", "JPN"}
    for row in rows:
        assert row["source"].strip(), row
        assert row["date_from"] <= "2024-02-15" and row["date_to"] <= "2024-02-15", row
    yoon = [e for e in builtin_actors(phoenix=False) if e.phrase == "Yoon Suk Yeol"]
    assert yoon and yoon[0].valid_on(date(2024, 1, 1)) and not yoon[0].valid_on(date(2021, 1, 1))
    assert len(officeholders()) > len(rows)


@pytest.mark.shared
def test_shipped_data_matches_the_shared_dictionaries(shared_dir):
    source = shared_dir / "data" / "petrarch2"
    document = json.loads(gzip.decompress(resources.files("peninsula.events").joinpath(
        "data", "petrarch2.json.gz").read_bytes()))
    for name, digest in document["provenance"]["sha256"].items():
        assert hashlib.sha256((source / name).read_bytes()).hexdigest() == digest, name
