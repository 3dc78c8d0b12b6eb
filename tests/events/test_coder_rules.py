"""Rules of the parser coder taken from PETRARCH-2's design (issue 14, second round):
verb transformations, verb interaction (modal verb + clause), negation as rejection,
Phoenix discards, light verbs with event nouns, office nouns in patterns, prepositional
phrases in patterns, passives, and the parser routes around spaCy's analyses."""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("spacy", reason="the news coder needs the 'nlp' extra (spaCy)")

from peninsula.events.coder import (  # noqa: E402
    DictionaryCoder,
    ParserMissingError,
    _date_only,
    _parallel,
    load_parser,
)

DAY = date(2024, 1, 20)


@pytest.fixture(scope="module")
def coder() -> DictionaryCoder:
    try:
        load_parser()
    except ParserMissingError as exc:
        pytest.skip(f"no English spaCy model with a parser is installed: {exc}")
    return DictionaryCoder()


def triples(coder, text, day=DAY):
    return {(e.source, e.target, e.root_code) for e in coder.code(text, day)}


def codes(coder, text, day=DAY):
    return {(e.source, e.target, e.cameo) for e in coder.code(text, day)}


# ------------------------------------------------------------------ transformations


def test_claim_of_own_attack_is_a_claim_of_responsibility(coder):
    # ~ a (a b ATTACK) CLAIM = a b 015: the attack itself is not coded
    assert codes(coder, "The US claimed that they had attacked Iraq.") == {
        ("USA", "IRQ", "015")}


def test_wish_that_another_attacks_is_an_appeal_to_it(coder):
    # ~ a (b . ATTACK) WANT = a b 021
    assert codes(coder, "Obama wants Putin to attack Switzerland.") == {
        ("USA", "RUS", "021")}


def test_statement_that_another_attacked_is_an_accusation(coder):
    # ~ a (b . ATTACK) SAY = a b 112; the reported attack stays coded on its own
    assert triples(coder, "The US said that Iraq had attacked Kuwait.") == {
        ("USA", "IRQ", "11"), ("IRQ", "KWT", "19")}


def test_trailing_attribution_is_never_transformed(coder):
    assert triples(coder, "Iraq attacked Kuwait, the US said.") == {("IRQ", "KWT", "19")}


def test_attempt_to_assassinate(coder):
    # ~ a (_ b ASSASSINATE) ATTEMPT = a b 185 (ATTEMPT has no code: any verb without one)
    assert codes(coder, "North Korea attempted to assassinate a defector in Seoul.") == {
        ("PRK", "KOR", "185")}


# ------------------------------------------------------------------ verb interaction


def test_agreement_to_act_is_an_intent_with_the_act_as_sub_code(coder):
    assert codes(coder, "Japan and South Korea agreed to resume defence talks.") == {
        ("JPN", "KOR", "036"), ("KOR", "JPN", "036")}


def test_appeal_takes_the_kind_of_cooperation_asked_for(coder):
    assert codes(coder, "Japan urged China to lift the ban on Japanese seafood.") == {
        ("JPN", "CHN", "0251")}


def test_means_of_an_intended_act_is_part_of_the_intent(coder):
    text = ("Brazil and the United States are seeking to deepen a partnership in energy, "
            "especially by promoting biofuels.")
    assert codes(coder, text) == {("BRA", "USA", "031"), ("USA", "BRA", "031")}


def test_clause_inside_a_request_is_not_an_event(coder):
    assert triples(coder, "China urged the United States to stop arming Taiwan.") == {
        ("CHN", "USA", "02")}


def test_parallel_codes_follow_the_cameo_codebook():
    assert _parallel("03", "085") == "0354"
    assert _parallel("02", "0841") == "0253"
    assert _parallel("12", "072") == "1222"
    assert _parallel("10", "046") == "108"
    assert _parallel("03", "190") is None


# ------------------------------------------------------------------ negation, refusal


def test_refused_cooperation_is_a_rejection(coder):
    assert codes(coder, "Japan will not provide weapons to Ukraine.") == {
        ("JPN", "UKR", "1222")}
    assert triples(coder, "China refused to lift sanctions on Lithuania.") == {
        ("CHN", "LTU", "12")}


def test_negated_cooperation_without_refusal_wording_is_no_event(coder):
    # a statement that something has not happened is not a rejection (NEA convention)
    assert not codes(coder, "The United States has not held talks with North Korea since "
                            "2019.")
    assert not codes(coder, "The United States has not eased sanctions on North Korea.")
    assert not codes(coder, "China did not provide weapons to Russia.")


def test_refusal_wording_still_codes_a_rejection(coder):
    assert codes(coder, "North Korea refused to resume talks with South Korea.") == {
        ("PRK", "KOR", "125")}
    assert codes(coder, "Japan would not resume talks with North Korea.") == {
        ("JPN", "PRK", "125")}
    assert codes(coder, "Russia ruled out supplying weapons to North Korea.") == {
        ("RUS", "PRK", "1222")}


def test_negated_or_stopped_conflict_is_no_event(coder):
    assert not triples(coder, "North Korea did not attack South Korea.")
    assert not triples(coder, "Russia stopped supplying gas to Europe.")


# ------------------------------------------------------------------ discards


def test_story_discard_drops_the_whole_text(coder):
    assert not coder.code("Japan criticised China. The World Cup final was held in Tokyo.",
                          DAY)


def test_sentence_discard_drops_only_its_sentence(coder):
    text = "Japan criticised China over the typhoon. China criticised Japan."
    assert triples(coder, text) == {("CHN", "JPN", "11")}
    kept = DictionaryCoder(nlp=coder.nlp, discards=False)
    assert ("JPN", "CHN", "11") in triples(kept, text)


def test_a_bare_year_is_no_discard(coder):
    # Phoenix lists the years 1914-2013 as discards; in current news they are reference points
    assert triples(coder, "North Korea fired a missile at Japan, its first launch since "
                          "2013.") == {("PRK", "JPN", "19")}
    assert triples(coder, "South Korea accused North Korea over the 2010 sinking of the "
                          "Cheonan.") == {("KOR", "PRK", "11")}


def test_only_numeric_or_date_discard_phrases_are_left_out():
    assert _date_only(("2010",)) and _date_only(("april", "1942"))
    for phrase in ("euro 2008 qualifier", "world war 2", "round of 16", "h5n1", "may"):
        assert not _date_only(tuple(phrase.split())), phrase


# ------------------------------------------------------------------ nouns and patterns


def test_light_verb_takes_the_code_of_its_event_noun(coder):
    assert codes(coder, "Cho Tae-yul held a phone call with Antony Blinken.") == {
        ("KOR", "USA", "041"), ("USA", "KOR", "041")}
    assert triples(coder, "Russian forces launched a missile attack on Kyiv.") == {
        ("RUS", "UKR", "19")}


def test_office_noun_in_a_pattern_matches_the_named_holder(coder):
    # OBTAIN block: "- * MINISTERS [043:042]" matches the foreign minister Wang Yi
    assert codes(coder, "Vladimir Putin received Wang Yi at the Kremlin.") == {
        ("RUS", "CHN", "043")}


def test_prepositional_pattern_allows_words_inside_its_phrase(coder):
    # AGREE block: "- * (TO PEACE &TREATY) [037:037]" matches "to a peace treaty"
    assert codes(coder, "Armenia and Azerbaijan agreed to a peace treaty.") == {
        ("ARM", "AZE", "037"), ("AZE", "ARM", "037")}


def test_sector_noun_modifying_a_thing_is_no_actor(coder):
    text = "South Korea and the United States began their largest joint military exercises."
    assert triples(coder, text) == {("KOR", "USA", "06"), ("USA", "KOR", "06")}


# ------------------------------------------------------------------ passives, parser routes


def test_passive_subject_is_matched_as_the_object(coder):
    assert triples(coder, "Evidence against Russia was presented by the US.") == {
        ("USA", "RUS", "11")}


def test_passive_source_from_the_event_noun_it_happened_in(coder):
    text = "Two Ukrainian civilians were killed in a Russian air strike on Odesa."
    assert {(s, t) for s, t, _ in triples(coder, text)} == {("RUS", "UKR")}


def test_object_parsed_as_the_subject_of_an_infinitive(coder):
    assert triples(coder, "Vladimir Putin said Russia would help North Korea build "
                          "satellites.") == {("RUS", "PRK", "07")}


def test_object_predicate_is_the_object_and_a_qualified_thing_yields(coder):
    assert triples(coder, "Joe Biden called Xi Jinping a dictator.") == {("USA", "CHN", "11")}
    got = triples(coder, "The United States accused Russia of using North Korean missiles "
                         "against Ukraine.")
    assert ("USA", "RUS", "11") in got and not any(t == "PRK" for _, t, _ in got)


def test_a_place_is_not_a_party_to_a_symmetric_event(coder):
    assert triples(coder, "Sergei Lavrov arrived in Pyongyang for talks with Choe Son Hui.") \
        == {("RUS", "PRK", "04")}


@pytest.mark.parametrize("text", [
    "China denied providing weapons to Russia.",
    "China denied that it provided weapons to Russia.",
    "Pyongyang denied it had shipped shells to Moscow.",
])
def test_a_denied_act_is_no_event_and_no_refusal(coder, text):
    """The clause of a verb of denial says the act did not happen: neither the act (072) nor
    a rejection (12x) is coded."""
    assert not [t for t in triples(coder, text) if t[2] in ("07", "12")]
