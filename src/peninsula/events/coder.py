"""Dictionary event coder: English news text → events in the common schema.

A rule coder in the style of TABARI/PETRARCH, built on spaCy's blank English tokenizer and its
``PhraseMatcher`` / ``Matcher`` (no statistical model, nothing downloaded at run time):

1. actor phrases (``actors.py``, valid on the article's date) and agent nouns are matched;
   an agent next to a country becomes a compound actor ("the DPRK foreign minister" →
   ``PRKGOV``), as does an agent "of" a country or after a possessive pronoun ("its deputy
   foreign minister" → the last country named);
2. verb patterns (``verbs.py``) are matched; for each, the source is the nearest actor before
   the pattern's head that no earlier verb took as its object, and the target the first actor
   after the head and before the next verb ("him"/"her" resolve to the last person of another
   country); "X and Y <verb>" gives both X and Y as sources, joint verbs give both directions;
3. each event keeps its sentence, the matched words and the line it starts on.

References
----------
Schrodt, P. A. (2012). CAMEO: Conflict and Mediation Event Observations, event and actor
codebook, version 1.1b3. Pennsylvania State University.

"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from peninsula.events.actors import AGENTS, ActorEntry, builtin_actors, country_level
from peninsula.events.formats import LineBatch, normalized_batch
from peninsula.events.verbs import VERBS, VerbPattern
from peninsula.scenario.cameo import cameo_table

_POSSESSIVE = {"its", "their"}
_PERSON_PRONOUNS = {"him", "her"}
_SEND = {"send", "sent", "sends", "sending", "dispatch", "dispatched", "dispatches"}
_NEGATION = {"not", "n't", "never", "no", "neither", "nor"}
_JOINERS = {"'s", "’s", "'", "top", "senior", "new", "former", "chief", "acting", "then",
            "visiting", "first"}
_OF = {"of", "from", "in"}
_DETERMINERS = {"the", "a", "an"}
_FUTURE = {"will", "would", "'ll", "shall"}
_SUBJECT_PRONOUNS = {"they", "it", "he", "she", "we", "i"}
_CLAUSE_BREAKS = {",", ";", "so", "but", "which", "who", "and", "while", "because"}


@dataclass
class Mention:
    """An actor mentioned in a sentence (tokens ``start``–``end`` of the document)."""

    start: int
    end: int
    code: str | None
    text: str
    person: bool = False
    pronoun: bool = False

    @property
    def country(self) -> str | None:
        """Country-level code, or ``None`` when unknown."""
        if self.code is None or self.code.startswith("---"):
            return None
        return country_level(self.code)


@dataclass(frozen=True)
class CodedEvent:
    """One event coded from text, with its sentence as provenance."""

    date: date
    source: str
    target: str | None
    source_actor: str
    target_actor: str | None
    cameo: str
    sentence: str
    sentence_index: int
    line: int
    words: str

    @property
    def root_code(self) -> str:
        """Two-digit CAMEO root code."""
        return self.cameo[:2]


class DictionaryCoder:
    """Code English text into CAMEO events with actor, agent and verb dictionaries."""

    def __init__(self, actors: Sequence[ActorEntry] | None = None,
                 agents: dict[str, str] | None = None,
                 verbs: Sequence[VerbPattern] | None = None) -> None:
        self._actor_entries = list(builtin_actors() if actors is None else actors)
        self._agents = dict(AGENTS if agents is None else agents)
        self._verbs = list(VERBS if verbs is None else verbs)

    @cached_property
    def _nlp(self):  # noqa: ANN202 - spaCy types are optional
        import spacy

        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        return nlp

    @cached_property
    def _matchers(self):  # noqa: ANN202
        from spacy.matcher import Matcher, PhraseMatcher

        vocab = self._nlp.vocab
        lower = PhraseMatcher(vocab, attr="LOWER")
        orth = PhraseMatcher(vocab, attr="ORTH")
        by_key: dict[str, list[ActorEntry]] = {}
        lower_docs: dict[str, object] = {}
        orth_docs: dict[str, list[object]] = {}
        make = self._nlp.make_doc
        for entry in self._actor_entries:
            phrase = entry.phrase.strip()
            if not phrase:
                continue
            doc = make(phrase)
            if len(doc) > 1:
                key = "L:" + phrase.lower()
                by_key.setdefault(key, []).append(entry)
                lower_docs.setdefault(key, doc)
            else:
                acronym = phrase.isupper() and len(phrase) <= 4
                variants = {phrase} if acronym else {phrase, phrase.title(), phrase.upper()}
                key = "O:" + phrase.lower()
                by_key.setdefault(key, []).append(entry)
                orth_docs.setdefault(key, [])
                orth_docs[key].extend(make(v) for v in variants)
        for key, doc in lower_docs.items():
            lower.add(key, [doc])
        for key, docs in orth_docs.items():
            orth.add(key, docs)
        agents = PhraseMatcher(vocab, attr="LOWER")
        for phrase, code in self._agents.items():
            agents.add("G:" + code, [make(phrase)])
        verbs = Matcher(vocab)
        for index, verb in enumerate(self._verbs):
            verbs.add(f"V{index}", [verb.matcher_pattern()], greedy="LONGEST")
        return lower, orth, agents, verbs, by_key

    # ------------------------------------------------------------------ public API

    def code(self, text: str, day: date, first_line: int = 1) -> list[CodedEvent]:
        """All events in ``text``, dated ``day``; lines are counted from ``first_line``."""
        doc = self._nlp(text)
        lower, orth, agent_matcher, verb_matcher, by_key = self._matchers
        strings = self._nlp.vocab.strings
        spans: list[tuple[int, int, str, str, bool]] = []  # start, end, kind, code, person
        for matcher in (lower, orth):
            for match_id, start, end in matcher(doc):
                entries = [e for e in by_key[strings[match_id]] if e.valid_on(day)]
                if entries:
                    chosen = max(entries, key=lambda e: (e.date_from is not None, len(e.code)))
                    spans.append((start, end, "actor", chosen.code, chosen.person))
        for match_id, start, end in agent_matcher(doc):
            spans.append((start, end, "agent", strings[match_id][2:], False))
        spans = _longest_first(spans)
        verb_hits = _verb_hits(doc, verb_matcher, strings)
        events: list[CodedEvent] = []
        last_country: str | None = None
        for index, sent in enumerate(doc.sents):
            mentions, last_country = self._mentions(doc, sent.start, sent.end, spans,
                                                    last_country)
            hits = [h for h in verb_hits if sent.start <= h[0] < sent.end]
            first = next((t for t in sent if not t.is_space), None)
            if first is None:
                continue
            line = first_line + text.count("\n", 0, first.idx)
            events.extend(self._events(doc, sent, index, line, day, mentions, hits))
        return events

    # ------------------------------------------------------------------ internals

    def _mentions(self, doc, start: int, end: int,  # noqa: ANN001
                  spans: list[tuple[int, int, str, str, bool]],
                  last_country: str | None) -> tuple[list[Mention], str | None]:
        """Actor mentions of one sentence, with agents attached to their countries."""
        mentions: list[Mention] = []
        for s_start, s_end, kind, code, person in spans:
            if not (start <= s_start < end):
                continue
            text = doc[s_start:s_end].text
            prev = mentions[-1] if mentions else None
            gap = [t.lower_ for t in doc[prev.end:s_start]] if prev else []
            joined = prev is not None and all(g in _JOINERS for g in gap) and len(gap) <= 2
            if kind == "actor":
                country = country_level(code)
                if (prev is not None and prev.code is not None and prev.code.startswith("---")
                        and gap and gap[0] in _OF and len(gap) <= 3):
                    prev.code = country + prev.code[3:]
                    prev.end = s_end
                    prev.text = doc[prev.start:s_end].text
                elif joined and prev is not None and prev.country == country:
                    if len(code) > 3 or person:
                        prev.code = code
                    prev.person = prev.person or person
                    prev.end = s_end
                    prev.text = doc[prev.start:s_end].text
                else:
                    mentions.append(Mention(s_start, s_end, code, text, person))
                last_country = country if not code.startswith("IGO") else last_country
            else:
                if (joined and prev is not None and prev.country is not None
                        and len(prev.code or "") == 3 and not prev.person):
                    prev.code = (prev.code or "") + code
                    prev.end = s_end
                    prev.text = doc[prev.start:s_end].text
                    prev.person = True
                    continue
                before = [t.lower_ for t in doc[max(start, s_start - 3):s_start]]
                owner: str | None = None
                if last_country and any(b in _POSSESSIVE for b in before):
                    owner = last_country
                elif (last_country and prev is not None and prev.country == last_country
                      and any(b in _SEND for b in gap) and len(gap) <= 4):
                    owner = last_country
                full = (owner or "---") + code
                mentions.append(Mention(s_start, s_end, full, text, True))
        for token in doc[start:end]:
            if token.lower_ in _PERSON_PRONOUNS:
                mentions.append(Mention(token.i, token.i + 1, None, token.text, True, True))
        mentions.sort(key=lambda m: m.start)
        return mentions, last_country

    def _events(self, doc, sent, index: int, line: int, day: date,  # noqa: ANN001, C901 - the word-pattern coder, to be replaced by a parser (issue 14)
                mentions: list[Mention], hits: list[tuple[int, int, int]],
                ) -> Iterable[CodedEvent]:
        consumed: set[int] = set()
        seen: set[tuple[str, str | None, str]] = set()
        for position, (head, end, verb_index) in enumerate(hits):
            verb = self._verbs[verb_index]
            if any(t.lower_ in _NEGATION for t in doc[max(sent.start, head - 3):head]):
                continue
            limit = hits[position + 1][0] if position + 1 < len(hits) else sent.end
            passive = end < sent.end and doc[end].lower_ == "by"
            left = [m for m in mentions if m.end <= head and id(m) not in consumed
                    and not m.pronoun]
            right = [m for m in mentions if head < m.start < max(limit, end + 1)
                     or (head < m.start < end)]
            if passive:
                by_actor = [m for m in mentions if m.start == end + 1 or m.start == end + 2]
                if not by_actor or not left:
                    continue
                sources, target = [by_actor[0]], left[-1]
            else:
                if not left:
                    continue
                between = {t.lower_ for t in doc[left[-1].end:head]}
                if between & _SUBJECT_PRONOUNS and between & _CLAUSE_BREAKS:
                    continue  # "X …, so they <verb>": the subject is a pronoun we cannot resolve
                sources = [left[-1]]
                before = left[-1].start
                if before > 0 and doc[before - 1].lower_ in _DETERMINERS:
                    before -= 1
                if (len(left) > 1 and before > 0 and doc[before - 1].lower_ == "and"
                        and left[-2].end == before - 1):
                    sources.insert(0, left[-2])
                target = None
                source_country = sources[-1].country
                for candidate in right:
                    resolved = (self._resolve_pronoun(candidate, mentions, source_country)
                                if candidate.pronoun else candidate)
                    if resolved is not None and resolved.country not in (None, source_country):
                        target = resolved
                        consumed.add(id(candidate))
                        break
            pairs: list[tuple[Mention, Mention | None]] = []
            if target is None and len(sources) == 2 and verb.joint:
                pairs = [(sources[0], sources[1]), (sources[1], sources[0])]
            elif target is None and verb.notarget:
                pairs = [(s, None) for s in sources]
            elif target is not None:
                pairs = [(s, target) for s in sources]
                if verb.joint:
                    pairs += [(target, s) for s in sources]
            words = doc[head:end].text
            code = verb.code
            if any(t.lower_ in _FUTURE for t in doc[max(sent.start, head - 2):head]):
                code = _intent_code(code)
            for src, tgt in pairs:
                if src.country is None or (tgt is not None and tgt.country is None):
                    continue
                if tgt is not None and tgt.country == src.country:
                    continue
                key = (src.code or "", None if tgt is None else tgt.code, code)
                if key in seen:
                    continue
                seen.add(key)
                yield CodedEvent(
                    date=day, source=src.country, target=None if tgt is None else tgt.country,
                    source_actor=src.code or "", target_actor=None if tgt is None else tgt.code,
                    cameo=code, sentence=sent.text.strip(), sentence_index=index, line=line,
                    words=words,
                )

    @staticmethod
    def _resolve_pronoun(pronoun: Mention, mentions: list[Mention],
                         source_country: str | None) -> Mention | None:
        for candidate in reversed([m for m in mentions if m.end <= pronoun.start]):
            if candidate.person and not candidate.pronoun and candidate.country not in (
                    None, source_country):
                return candidate
        return None


def _intent_code(code: str) -> str:
    """CAMEO code for announcing ``code`` as a future act ("will visit" → 036, intent to meet).

    Cooperative acts become the matching 03 intent code; conflictual ones a threat (13).
    """
    root = int(code[:2])
    if root == 4:
        return "036"
    if root in (6, 7):
        return "031" if root == 6 else "033"
    if root == 8:
        return "035"
    if root <= 5:
        return "030"
    return "130" if root >= 13 else code


def _longest_first(spans: list[tuple[int, int, str, str, bool]],
                   ) -> list[tuple[int, int, str, str, bool]]:
    """Non-overlapping spans, longer first, actors before agents on ties; in text order."""
    ordered = sorted(spans, key=lambda s: (-(s[1] - s[0]), s[2] != "actor", s[0]))
    taken: set[int] = set()
    kept = []
    for span in ordered:
        tokens = set(range(span[0], span[1]))
        if tokens & taken:
            continue
        taken |= tokens
        kept.append(span)
    return sorted(kept)


def _verb_hits(doc, matcher, strings) -> list[tuple[int, int, int]]:  # noqa: ANN001
    """(head, end, verb index) of non-overlapping verb matches, longest first, in text order."""
    raw = [(start, end, int(strings[mid][1:])) for mid, start, end in matcher(doc)]
    # Longer matches first; on equal length the more specific pattern (listed later) wins.
    raw.sort(key=lambda h: (-(h[1] - h[0]), -h[2], h[0]))
    kept: list[tuple[int, int, int]] = []
    for hit in raw:
        if any(k[0] <= hit[0] < k[1] or hit[0] <= k[0] < hit[1] for k in kept):
            continue
        kept.append(hit)
    return sorted(kept)


def events_to_batch(events: Sequence[CodedEvent], name: str) -> LineBatch:
    """Coded events as a normalised batch for ``database.insert_batch`` (dataset ``coder``)."""
    table = cameo_table()
    numbers, raws, fields = [], [], []
    for event in events:
        provenance = json.dumps({
            "sentence": event.sentence, "words": event.words,
            "sentence_index": event.sentence_index, "file": name,
        }, ensure_ascii=False)
        ident = hashlib.sha1(
            f"{name}|{event.date}|{event.sentence}|{event.source_actor}|{event.target_actor}|"
            f"{event.cameo}".encode()).hexdigest()[:20]
        entry = table[event.cameo]
        row = [ident, event.date.isoformat(), event.source, event.target or "",
               event.source_actor, event.target_actor or "", event.cameo,
               entry.plover_type or "", "", "", "", "", name]
        numbers.append(event.line)
        raws.append(provenance)
        fields.append("\t".join(v.replace("\t", " ").replace("\n", " ") for v in row))
    return normalized_batch(name, "coder", numbers, raws, fields)
