"""Actor and agent dictionaries for the text coder.

Actors are names, adjectives, capitals, leaders and institutions mapped to CAMEO actor codes
(``PRK``, ``PRKGOV``, ``IGOUNO`` …), each optionally valid only between two dates, so that
"the president" of one year is not coded as the next one's. Agents are generic nouns ("foreign
minister", "troops") mapped to a CAMEO sector code (``GOV``, ``MIL`` …) that the coder attaches
to the nearest country ("the DPRK foreign minister" → ``PRKGOV``).

The built-in table is, in order of precedence: every country of ``countries.py`` by name,
adjective and capital; the institutions of the flagship scenario's actors (PRK, KOR, CHN, RUS,
USA, JPN, UKR and the UN); the curated office-holders 2014–2024-02-15 of PRK, KOR, USA, CHN,
RUS and JPN (``data/officeholders_2014_2024.csv``, a source line each); and the full Phoenix
actor dictionaries of PETRARCH-2 (countries, international and non-state actors, built Jan
2014). Extra Phoenix-style CSVs can be added with ``load_phoenix_actors`` /
``load_phoenix_agents``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from peninsula.events.countries import countries
from peninsula.events.dictionaries import (
    officeholder_roles,
    officeholders,
    petrarch_dictionaries,
)


@dataclass(frozen=True)
class ActorEntry:
    """One dictionary phrase for an actor code, valid from ``date_from`` to ``date_to``.

    ``role`` is a named person's office in words ("foreign minister"), when known.
    """

    phrase: str
    code: str
    date_from: date | None = None
    date_to: date | None = None
    person: bool = False
    role: str = ""

    def valid_on(self, day: date) -> bool:
        """Whether the entry applies to an article dated ``day``."""
        if self.date_from is not None and day < self.date_from:
            return False
        return self.date_to is None or day <= self.date_to


def country_level(code: str) -> str:
    """Country-level part of an actor code: ``PRKGOV`` → ``PRK``, ``IGOUNO`` → ``UNO``."""
    if code.startswith("IGO") and len(code) >= 6:
        return code[-3:]
    return code[:3]


# phrase variants | code | from | to ; "P" marks a named person (pronoun resolution).
_INSTITUTIONS = """\
Korean People's Army;KPA;North Korean army;North Korean military|PRKMIL||
Workers' Party of Korea;WPK;Korean Workers' Party|PRKGOV||
KCNA;Korean Central News Agency;Rodong Sinmun|PRKMED||
Blue House;Presidential Office in Yongsan|KORGOV||
Yonhap|KORMED||
People's Liberation Army;Peoples Liberation Army;PLA;PLA Navy|CHNMIL||
Communist Party of China;Chinese Communist Party;CCP;Zhongnanhai;State Council|CHNGOV||
Xinhua|CHNMED||
Kremlin;Russian government|RUSGOV||
TASS;RIA Novosti|RUSMED||
White House;State Department;US administration|USAGOV||
Pentagon;US Forces Korea;USFK|USAMIL||
Self-Defense Forces;Self Defense Forces;Japan Self-Defense Forces|JPNMIL||
United Nations;UN;U.N.;UN Security Council;U.N. Security Council|IGOUNO||
Security Council;UN General Assembly;General Assembly|IGOUNO||
IAEA;International Atomic Energy Agency|IGOUNOIAE||
NATO;North Atlantic Treaty Organization|IGOWSTNAT||
European Union;EU|IGOEUREEC||
"""

#: Agent nouns → CAMEO sector codes.
AGENTS: dict[str, str] = {
    **dict.fromkeys((
        "government", "govt", "administration", "regime", "authorities", "leadership",
        "minister", "ministers", "ministry", "foreign minister", "foreign ministry",
        "vice foreign minister", "deputy foreign minister", "first vice foreign minister",
        "prime minister", "premier", "president", "vice president", "leader", "leaders",
        "official", "officials", "spokesman", "spokeswoman", "spokesperson", "ambassador",
        "envoy", "envoys", "diplomat", "diplomats", "delegation", "representatives",
        "representative", "cabinet", "chancellor", "king", "queen", "mayor", "governor",
        "secretary of state", "state secretary", "foreign secretary", "secretary",
        "deputy secretary", "national security adviser", "head of state", "emperor",
    ), "GOV"),
    **dict.fromkeys((
        "military", "army", "troops", "soldiers", "navy", "air force", "armed forces",
        "forces", "defense minister", "defence minister", "defense ministry",
        "defence ministry", "general", "generals", "commander", "warships", "warship",
        "marines", "coast guard", "joint chiefs of staff",
    ), "MIL"),
    **dict.fromkeys(("police", "police officer", "police officers", "policemen"), "COP"),
    **dict.fromkeys(("court", "courts", "judge", "judges", "prosecutor", "prosecutors",
                     "supreme court"), "JUD"),
    **dict.fromkeys(("activists", "activist", "opposition", "protesters", "protestors",
                     "demonstrators", "dissidents", "dissident"), "OPP"),
    **dict.fromkeys(("parliament", "lawmakers", "lawmaker", "legislators", "congress",
                     "senate", "national assembly", "legislature"), "LEG"),
    **dict.fromkeys(("media", "newspaper", "news agency", "journalist", "journalists",
                     "reporter", "reporters", "state media"), "MED"),
    **dict.fromkeys(("company", "companies", "firm", "firms", "businessmen"), "BUS"),
    **dict.fromkeys(("rebels", "insurgents", "militants", "guerrillas"), "REB"),
    **dict.fromkeys(("student", "students", "university"), "EDU"),
    **dict.fromkeys(("refugees", "defectors", "migrants"), "REF"),
    **dict.fromkeys(("civilians", "residents", "citizens", "men", "women", "missionaries"),
                    "CVL"),
}


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def builtin_actors(phoenix: bool = True) -> list[ActorEntry]:
    """Return the built-in actor dictionary, curated entries first (they win ties).

    ``phoenix=False`` leaves out the Phoenix dictionaries (countries, institutions and the
    curated office-holders only).
    """
    entries: list[ActorEntry] = []
    for country in countries():
        for phrase in (*country.names, *country.adjectives, *country.capitals):
            entries.append(ActorEntry(phrase, country.iso3))
    extra_countries = {
        "PRK": ("N. Korea", "N Korea", "D.P.R.K."),
        "KOR": ("S. Korea", "S Korea", "R.O.K."),
        "RUS": ("Russians",),
        "USA": ("Americans", "Washington's", "US-led"),
    }
    for code, phrases in extra_countries.items():
        for phrase in phrases:
            entries.append(ActorEntry(phrase, code))
    for line in _INSTITUTIONS.splitlines():
        phrases, code, start, end = line.split("|")
        for phrase in phrases.split(";"):
            entries.append(ActorEntry(phrase.strip(), code, _day(start), _day(end)))
    roles = officeholder_roles()
    for phrase, code, start, end in officeholders():
        entries.append(ActorEntry(phrase, code, start, end, person=True,
                                  role=roles.get(phrase, "")))
    if phoenix:
        for phrase, code, start, end in petrarch_dictionaries().actors:
            entries.append(ActorEntry(phrase, code, start, end, person=start is not None))
    return entries


def builtin_agents() -> dict[str, str]:
    """Agent noun → sector code: the curated ``AGENTS`` first, then Phoenix's agents."""
    agents = dict(AGENTS)
    for phrase, code in petrarch_dictionaries().agents.items():
        agents.setdefault(phrase, code)
    return agents


def load_phoenix_actors(path: str | Path) -> list[ActorEntry]:
    """Entries from a Phoenix-style actor CSV (``phrase``, ``synonyms``, ``code``, dates)."""
    entries: list[ActorEntry] = []
    with Path(path).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            phrases = [row["phrase"], *[s for s in row["synonyms"].split("|") if s]]
            person = row["kind"] == "named_actor"
            for phrase in phrases:
                text = phrase.replace("_", " ").strip()
                if len(text) < 2:
                    continue
                entries.append(ActorEntry(text, row["code"], _day(row["date_from"]),
                                          _day(row["date_to"]), person))
    return entries


def load_phoenix_agents(path: str | Path) -> dict[str, str]:
    """Agent noun → sector code from a Phoenix-style agent CSV (``phrase``, ``agent_code``)."""
    agents: dict[str, str] = {}
    with Path(path).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["agent_code"].strip()
            phrase = row["phrase"].replace("_", " ").strip().lower()
            if phrase and code.isalpha() and len(code) == 3:
                agents.setdefault(phrase, code)
    return agents
