"""Readers for the PETRARCH-2 / TABARI dictionary formats (verbs, actors, agents, word lists).

The formats are those of the PETRARCH-2 documentation (``docs/source/dictionaries.rst`` of
openeventdata/petrarch2) and the files' own headers:

* **verbs** (``CAMEO.2.0.txt``): synonym sets (``&NAME`` then ``+MEMBER`` lines), then verb
  blocks opened by ``---  NAME   [code]  ---``; each block lists verbs (``SAY {SAYS SAID}``,
  multi-word verbs as ``+MEET_WITH {…}``, optionally with their own ``[code]``) and patterns
  ``- pre-words * post-words [code]  # comment``, where ``*`` stands for the verb, ``&SET`` for
  any member of a synonym set, ``{A B}`` for a noun phrase (head last), ``(PREP …)`` for a
  prepositional phrase and ``$`` / ``+`` / ``%`` / ``^`` for source, target, compound and skip
  markers. A code ``[x:y]`` codes x from source to target and y back from target to source;
  ``[---]`` means "no event". The file ends with verb transformations, ``~ a (b . ATTACK) SAY
  = a b 112``: an event of the verb ATTACK (source b, any target) embedded under SAY (source
  a) is recoded as a→b 112.
* **actors** (``Phoenix.*.actors.txt``): a phrase (words joined by ``_``), ``+synonym`` lines,
  and codes on the same line or on indented lines, ``[CODE]``, ``[CODE >YYMMDD]``,
  ``[CODE <YYMMDD]`` or ``[CODE YYMMDD-YYMMDD]`` (dates with 6 or 8 digits).
* **agents** (``Phoenix.agents.txt``): ``PHRASE {PLURALS} [~CODE]`` with ``!NAME! = a, b``
  substitution sets.
* **word lists** (discards, prepositions): one entry a line, ``#`` comments; a discard phrase
  prefixed with ``+`` discards the whole story, otherwise only its sentence.

Each reader raises :class:`DictionaryFormatError` naming the file and line of a line it cannot
read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from peninsula.errors import UserError

_CODE = re.compile(r"\[([^\]]*)\]")


class DictionaryFormatError(UserError):
    """A dictionary line that does not follow the PETRARCH format."""


def _lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DictionaryFormatError(f"{path}: cannot read dictionary: {exc}") from None
    return [(n, raw.split("#", 1)[0].rstrip()) for n, raw in enumerate(text.splitlines(), 1)]


def _phrase(word: str) -> str:
    """``NORTH_KOREA_`` → ``north korea``."""
    return " ".join(w for w in word.strip().replace("_", " ").lower().split() if w)


# ---------------------------------------------------------------------------- verbs


#: First element of a word group read from ``(PREP …)`` (a prepositional phrase) or ``{…}``
#: (a noun phrase, head last); a bare word is a one-word group without a marker.
PREP_GROUP = "("
PHRASE_GROUP = "{"


def group_words(group: tuple[str, ...]) -> tuple[str, ...]:
    """The words of a pattern group without its kind marker."""
    return group[1:] if group and group[0] in (PREP_GROUP, PHRASE_GROUP) else group


@dataclass(frozen=True)
class VerbPatternRule:
    """One ``- pre * post [code]`` pattern: word groups before and after the verb."""

    pre: tuple[tuple[str, ...], ...]
    post: tuple[tuple[str, ...], ...]
    code: str
    line: int

    @property
    def size(self) -> int:
        """Number of words the pattern requires (more words: more specific)."""
        return sum(len(group_words(g)) for g in (*self.pre, *self.post))


@dataclass(frozen=True)
class Transformation:
    """A verb transformation ``~ a (x y INNER) OUTER = s t CODE`` of the verb dictionary.

    An event of a verb like ``inner`` (source ``x``, target ``y``) in the clause governed by a
    verb like ``outer`` (source ``a``) becomes one event ``s``→``t`` ``code``. Variables: ``a``
    the outer verb's source, ``b`` another actor, ``_`` no source of its own, ``.`` any
    target; ``inner`` ``Q`` and ``code`` ``Q`` stand for any embedded code.
    """

    outer: str
    inner: str
    inner_source: str
    inner_target: str
    source: str
    target: str
    code: str
    line: int


@dataclass
class VerbBlock:
    """A verb block: its name, default code, verbs and patterns."""

    name: str
    code: str
    verbs: dict[str, str] = field(default_factory=dict)   # lemma phrase → code
    patterns: list[VerbPatternRule] = field(default_factory=list)


@dataclass
class VerbDictionary:
    """Synonym sets and verb blocks of a PETRARCH verb dictionary."""

    synsets: dict[str, tuple[str, ...]]
    blocks: list[VerbBlock]
    transformations: list[Transformation] = field(default_factory=list)


def _pattern_groups(text: str, path: Path, line: int) -> tuple[tuple[str, ...], ...]:
    """Word groups of one side of a pattern; each group is a sequence that must appear."""
    groups: list[tuple[str, ...]] = []
    for chunk in re.findall(r"\{[^}]*\}|\([^)]*\)|[^\s(){}]+", text):
        inner = chunk.strip("{}()")
        words = tuple(w for w in (_token(w) for w in inner.split()) if w)
        if chunk.startswith(("{", "(")):
            if words:
                marker = PREP_GROUP if chunk.startswith("(") else PHRASE_GROUP
                groups.append((marker, *words) if len(words) > 1 or marker == PREP_GROUP
                              else words)
        elif words:
            groups.extend((w,) for w in words)
        elif chunk.strip() and chunk.strip() not in "$+%^|":
            raise DictionaryFormatError(f"{path}:{line}: unreadable pattern element {chunk!r}")
    return tuple(groups)


def _token(word: str) -> str:
    """A pattern word, lower-cased; markers ($ + % ^) are dropped, ``&SET`` kept."""
    word = word.strip()
    if word in ("$", "+", "%", "^", "|", ""):
        return ""
    if word.startswith("&"):
        return word.upper().rstrip("_")
    return word.replace("_", " ").lower().strip()


def read_verb_dictionary(path: str | Path) -> VerbDictionary:
    """Read a PETRARCH verb dictionary (``CAMEO.2.0.txt``)."""
    path = Path(path)
    synsets: dict[str, list[str]] = {}
    blocks: list[VerbBlock] = []
    transformations: list[Transformation] = []
    current_set: str | None = None
    block: VerbBlock | None = None
    for number, line in _lines(path):
        stripped = line.strip()
        if stripped.startswith("~"):
            transformations.append(_read_transformation(stripped[1:], path, number))
            continue
        if not stripped or stripped.startswith("####"):
            current_set = None if not stripped else current_set
            continue
        if stripped.startswith("---"):
            match = re.match(r"---\s+(\S+)\s+\[([^\]]*)\]\s*-*", stripped)
            if match is None:
                raise DictionaryFormatError(
                    f"{path}:{number}: expected a verb block header '---  NAME   [code]  ---'")
            block = VerbBlock(match.group(1), match.group(2).strip())
            blocks.append(block)
            current_set = None
            continue
        if stripped.startswith("&"):
            current_set = stripped.split()[0].upper().rstrip("_")
            synsets[current_set] = []
            continue
        if current_set is not None and block is None:
            if stripped.startswith("+"):
                synsets[current_set].append(_phrase(stripped[1:]))
            continue
        if block is None:
            continue
        if stripped.startswith("-"):
            block.patterns.append(_read_pattern(stripped[1:], block, path, number))
        else:
            _read_verb_line(stripped, block)
    return VerbDictionary({k: tuple(v) for k, v in synsets.items()}, blocks, transformations)


def _read_transformation(text: str, path: Path, number: int) -> Transformation:
    """``a (x y INNER) OUTER = s t CODE`` (the text after ``~``)."""
    match = re.fullmatch(r"\s*a\s*\(\s*([ab_])\s+([b.])\s+(\w+)\s*\)\s*(\w+)\s*=\s*"
                         r"([ab])\s+([ab])\s+(\w+)\s*", text)
    if match is None:
        raise DictionaryFormatError(f"{path}:{number}: expected a transformation "
                                    "'~ a (x y VERB) VERB = s t CODE'")
    inner_source, inner_target, inner, outer, source, target, code = match.groups()
    return Transformation(outer.lower().replace("_", " "),
                          inner if inner == "Q" else inner.lower().replace("_", " "),
                          inner_source, inner_target, source, target, code, number)


def _read_pattern(text: str, block: VerbBlock, path: Path, number: int) -> VerbPatternRule:
    codes = _CODE.findall(text)
    if not codes:
        raise DictionaryFormatError(f"{path}:{number}: pattern without a [code]")
    body = _CODE.sub(" ", text)
    if "*" not in body:
        raise DictionaryFormatError(f"{path}:{number}: pattern without '*' for the verb")
    pre, post = body.split("*", 1)
    return VerbPatternRule(_pattern_groups(pre, path, number),
                           _pattern_groups(post, path, number), codes[-1].strip(), number)


def _read_verb_line(text: str, block: VerbBlock) -> None:
    codes = _CODE.findall(text)
    code = codes[0].strip() if codes else ""
    main = re.sub(r"\{[^}]*\}", " ", _CODE.sub(" ", text)).split()
    if not main:
        return
    words = main[0].lstrip("+")
    phrase = _phrase(words)
    if phrase:
        block.verbs.setdefault(phrase, code)


# ---------------------------------------------------------------------------- actors


@dataclass(frozen=True)
class DictActor:
    """One actor phrase with its code and validity (``None``: open-ended)."""

    phrase: str
    code: str
    date_from: date | None
    date_to: date | None


def _date(text: str, path: Path, number: int) -> date:
    digits = text.strip()
    try:
        if len(digits) == 6:
            year = int(digits[:2])
            year += 2000 if year < 40 else 1900
            return date(year, int(digits[2:4]), max(1, int(digits[4:6])))
        if len(digits) == 8:
            return date(int(digits[:4]), int(digits[4:6]), max(1, int(digits[6:8])))
    except ValueError:
        pass
    raise DictionaryFormatError(f"{path}:{number}: expected a date YYMMDD or YYYYMMDD, "
                                f"got {text!r}")


def _actor_code(text: str, path: Path, number: int) -> tuple[str, date | None, date | None]:
    parts = text.split()
    if not parts:
        raise DictionaryFormatError(f"{path}:{number}: empty actor code '[]'")
    code = parts[0].lstrip("~")
    if len(parts) == 1:
        return code, None, None
    span = parts[1]
    if span.startswith(">"):
        return code, _date(span[1:], path, number), None
    if span.startswith("<"):
        return code, None, _date(span[1:], path, number)
    if "-" in span:
        first, last = span.split("-", 1)
        return code, _date(first, path, number), _date(last, path, number)
    raise DictionaryFormatError(f"{path}:{number}: expected '[CODE >date]', '[CODE <date]' or "
                                f"'[CODE date-date]', got [{text}]")


def read_actor_dictionary(path: str | Path,
                          skipped: list[str] | None = None) -> list[DictActor]:
    """Read a TABARI/PETRARCH actor dictionary: every phrase × every dated code.

    A malformed code raises :class:`DictionaryFormatError`, unless ``skipped`` is given: then
    the message is appended to it and the code left out (the published files have a few).
    """
    path = Path(path)

    def read_codes(line: str, number: int) -> list[tuple[str, date | None, date | None]]:
        out = []
        for text in _CODE.findall(line):
            try:
                out.append(_actor_code(text, path, number))
            except DictionaryFormatError as exc:
                if skipped is None:
                    raise
                skipped.append(str(exc))
        return out

    entries: list[DictActor] = []
    phrases: list[str] = []
    codes: list[tuple[str, date | None, date | None]] = []

    def flush() -> None:
        for phrase in phrases:
            entries.extend(DictActor(phrase, c, start, end) for c, start, end in codes)

    for number, line in _lines(path):
        if not line.strip():
            continue
        found = read_codes(line, number)
        text = _CODE.sub(" ", line).strip()
        if line[:1] in (" ", "\t") and not text:
            codes.extend(found)
        elif text.startswith("+"):
            phrases.append(_phrase(text[1:]))
            codes.extend(found)
        elif text:
            flush()
            phrases, codes = [_phrase(text)], list(found)
        else:
            codes.extend(found)
    flush()
    return [e for e in entries if e.phrase]


# ---------------------------------------------------------------------------- agents & lists


def read_agent_dictionary(path: str | Path,
                          skipped: list[str] | None = None) -> dict[str, str]:
    """Agent phrase (and its plural forms) → sector code, ``!SET!`` substitutions expanded.

    A line without a code raises, unless ``skipped`` collects it (as in the actor reader).
    """
    path = Path(path)
    subs: dict[str, list[str]] = {}
    agents: dict[str, str] = {}
    for number, line in _lines(path):
        stripped = line.strip()
        if not stripped:
            continue
        match = re.match(r"!(\w+)!\s*=\s*(.+)", stripped)
        if match:
            subs[match.group(1)] = [w.strip() for w in match.group(2).split(",") if w.strip()]
            continue
        codes = _CODE.findall(stripped)
        if not codes:
            message = f"{path}:{number}: expected 'PHRASE [~CODE]'"
            if skipped is None:
                raise DictionaryFormatError(message)
            skipped.append(message)
            continue
        code = codes[0].strip().split("~")[1] if "~" in codes[0] else codes[0].strip()
        body = _CODE.sub(" ", stripped)
        plurals = re.findall(r"\{([^}]*)\}", body)
        head = re.sub(r"\{[^}]*\}", " ", body).split()
        words = head[:1] + [w for p in plurals for w in p.split()]
        if "{" not in body and head and "!" not in head[0]:  # regular plural (PETRARCH rule)
            words.append(head[0] + ("ES" if head[0].endswith(("S", "SH", "CH")) else "S"))
        for word in words:
            for expanded in _expand(word, subs):
                phrase = _phrase(expanded)
                if phrase and code:
                    agents.setdefault(phrase, code[:3])
    return agents


def _expand(word: str, subs: dict[str, list[str]]) -> list[str]:
    match = re.search(r"!(\w+)!", word)
    if match is None or match.group(1) not in subs:
        return [word]
    out: list[str] = []
    for value in subs[match.group(1)]:
        out.extend(_expand(word[:match.start()] + value + word[match.end():], subs))
    return out


def read_word_list(path: str | Path) -> list[str]:
    """Entries of a one-per-line list (discards, prepositions), comments removed."""
    return [_phrase(line) for _, line in _lines(Path(path)) if line.strip()]


def read_discard_list(path: str | Path) -> list[tuple[str, bool]]:
    """Discard phrases and whether each discards the whole story (``+`` prefix)."""
    out: list[tuple[str, bool]] = []
    for _, line in _lines(Path(path)):
        text = line.strip()
        story = text.startswith("+")
        phrase = _phrase(text.lstrip("+"))
        if phrase:
            out.append((phrase, story))
    return out
