"""Actor and agent dictionaries for the text coder.

Actors are names, adjectives, capitals, leaders and institutions mapped to CAMEO actor codes
(``PRK``, ``PRKGOV``, ``IGOUNO`` …), each optionally valid only between two dates, so that
"the president" of one year is not coded as the next one's. Agents are generic nouns ("foreign
minister", "troops") mapped to a CAMEO sector code (``GOV``, ``MIL`` …) that the coder attaches
to the nearest country ("the DPRK foreign minister" → ``PRKGOV``).

The built-in table covers every country of ``countries.py`` by name, adjective and capital,
and the Northeast Asian actors of the flagship scenario (PRK, KOR, CHN, RUS, USA, JPN, UKR and
the UN) with institutions and leaders up to 2025; the Phoenix dictionaries (dated 2014) can be
added with ``load_phoenix_actors`` / ``load_phoenix_agents``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from peninsula.events.countries import countries


@dataclass(frozen=True)
class ActorEntry:
    """One dictionary phrase for an actor code, valid from ``date_from`` to ``date_to``."""

    phrase: str
    code: str
    date_from: date | None = None
    date_to: date | None = None
    person: bool = False

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

_PEOPLE = """\
Kim Jong Un;Kim Jong-un;Kim Jong-Un;Kim Jongun|PRKGOV|2011-12-17|
Kim Jong Il;Kim Jong-il|PRKGOV|1994-07-08|2011-12-17
Kim Yo Jong;Kim Yo-jong|PRKGOV|2014-01-01|
Choe Son Hui;Choe Son-hui;Choe Son-Hui;Choe Son Hi|PRKGOV|2018-01-01|
Ri Son Gwon;Ri Son-gwon|PRKGOV|2018-01-01|
Ri Yong Ho;Ri Yong-ho|PRKGOV|2016-05-01|2020-01-31
Kim Tok Hun;Kim Tok-hun|PRKGOV|2021-01-01|
Pak Jong Chon;Pak Jong-chon|PRKMIL|2020-01-01|
Yoon Suk Yeol;Yoon Suk-yeol;Yoon Suk-Yeol;Yoon|KORGOV|2022-05-10|2025-04-04
Moon Jae-in;Moon Jae In;Moon Jae-In|KORGOV|2017-05-10|2022-05-09
Park Geun-hye;Park Geun Hye|KORGOV|2013-02-25|2017-03-10
Lee Myung-bak;Lee Myung Bak|KORGOV|2008-02-25|2013-02-24
Lee Jae-myung;Lee Jae Myung|KOROPP|2015-01-01|2025-06-03
Lee Jae-myung;Lee Jae Myung|KORGOV|2025-06-04|
Park Jin|KORGOV|2022-05-12|2024-01-10
Cho Tae-yul;Cho Tae Yul|KORGOV|2024-01-10|2025-06-03
Shin Won-sik;Shin Won Sik|KORMIL|2023-10-07|2024-09-06
Han Duck-soo;Han Duck Soo|KORGOV|2022-05-21|2025-05-01
Xi Jinping;Xi|CHNGOV|2012-11-15|
Hu Jintao|CHNGOV|2002-11-15|2012-11-15
Wang Yi|CHNGOV|2013-03-16|
Li Qiang|CHNGOV|2023-03-11|
Li Keqiang|CHNGOV|2013-03-15|2023-03-11
Qin Gang|CHNGOV|2022-12-30|2023-07-25
Sun Weidong|CHNGOV|2019-01-01|
Zhao Leji|CHNGOV|2022-10-23|
Dong Jun|CHNMIL|2023-12-29|
Vladimir Putin;Putin;Vladimir V. Putin|RUSGOV|1999-08-09|
Sergei Lavrov;Sergey Lavrov;Lavrov|RUSGOV|2004-03-09|
Dmitry Medvedev;Medvedev|RUSGOV|2008-05-07|
Mikhail Mishustin;Mishustin|RUSGOV|2020-01-16|
Sergei Shoigu;Sergey Shoigu;Shoigu|RUSMIL|2012-11-06|2024-05-12
Sergei Shoigu;Sergey Shoigu;Shoigu|RUSGOV|2024-05-12|
Andrei Belousov;Andrey Belousov;Belousov|RUSMIL|2024-05-14|
Dmitry Peskov;Peskov|RUSGOV|2012-05-01|
Maria Zakharova;Zakharova|RUSGOV|2015-08-10|
Andrei Rudenko|RUSGOV|2019-01-01|
Joe Biden;Biden;Joseph Biden;Joseph R. Biden|USAGOV|2009-01-20|2025-01-20
Donald Trump;Trump;Donald J. Trump|USAGOV|2017-01-20|2021-01-20
Donald Trump;Trump;Donald J. Trump|USAGOV|2025-01-20|
Barack Obama;Obama|USAGOV|2009-01-20|2017-01-20
George W. Bush;Bush|USAGOV|2001-01-20|2009-01-20
Antony Blinken;Blinken|USAGOV|2021-01-26|2025-01-20
Lloyd Austin|USAMIL|2021-01-22|2025-01-20
Jake Sullivan|USAGOV|2021-01-20|2025-01-20
Kamala Harris|USAGOV|2021-01-20|2025-01-20
Mike Pompeo;Pompeo|USAGOV|2017-01-23|2021-01-20
Marco Rubio;Rubio|USAGOV|2025-01-21|
Fumio Kishida;Kishida|JPNGOV|2021-10-04|2024-10-01
Shigeru Ishiba;Ishiba|JPNGOV|2024-10-01|2025-10-21
Sanae Takaichi;Takaichi|JPNGOV|2025-10-21|
Shinzo Abe;Abe|JPNGOV|2012-12-26|2020-09-16
Yoshihide Suga;Suga|JPNGOV|2020-09-16|2021-10-04
Yoko Kamikawa;Kamikawa|JPNGOV|2023-09-13|2024-10-01
Yoshimasa Hayashi;Hayashi|JPNGOV|2021-11-10|
Volodymyr Zelensky;Volodymyr Zelenskyy;Zelensky;Zelenskyy|UKRGOV|2019-05-20|
Dmytro Kuleba;Kuleba|UKRGOV|2020-03-04|2024-09-05
Andrii Sybiha;Sybiha|UKRGOV|2024-09-05|
Petro Poroshenko;Poroshenko|UKRGOV|2014-06-07|2019-05-20
Antonio Guterres;António Guterres;Guterres|IGOUNO|2017-01-01|
Ban Ki-moon;Ban Ki Moon|IGOUNO|2007-01-01|2016-12-31
"""  # noqa: E501

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


def builtin_actors() -> list[ActorEntry]:
    """Return the built-in actor dictionary (countries, institutions, leaders)."""
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
    for block, person in ((_INSTITUTIONS, False), (_PEOPLE, True)):
        for line in block.splitlines():
            phrases, code, start, end = line.split("|")
            for phrase in phrases.split(";"):
                entries.append(ActorEntry(phrase.strip(), code, _day(start), _day(end), person))
    return entries


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
