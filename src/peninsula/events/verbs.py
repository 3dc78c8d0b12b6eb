"""Verb and noun patterns that the text coder maps to CAMEO event codes.

Each pattern is a short token template compiled into a spaCy ``Matcher`` pattern:
``a/b/c`` matches any of those lower-cased words, a trailing ``?`` makes a token optional, and
``*N`` skips up to N tokens that are not punctuation. The first token is the pattern's head:
the coder looks for the source actor before it and the target after it. ``joint`` patterns
describe symmetric events ("met with", "held talks"): the coder emits both directions, as
event datasets do. ``notarget`` patterns may be coded without a target ("nuclear tests").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class VerbPattern:
    """One template and its CAMEO code."""

    code: str
    template: str
    joint: bool = False
    notarget: bool = False

    def matcher_pattern(self) -> list[dict[str, Any]]:
        """Compile the template into a spaCy ``Matcher`` token pattern."""
        tokens: list[dict[str, Any]] = []
        for part in self.template.split():
            if part.startswith("*"):
                tokens.append({"IS_PUNCT": False, "OP": f"{{,{int(part[1:])}}}"})
                continue
            optional = part.endswith("?")
            words = part.rstrip("?").split("/")
            spec: dict[str, Any] = {"LOWER": {"IN": words}}
            if optional:
                spec["OP"] = "?"
            tokens.append(spec)
        return tokens


def _forms(*bases: str) -> str:
    """Slash-joined inflections of regular verbs, given as ``base:past:ing:3sg`` or ``base``."""
    words: list[str] = []
    for base in bases:
        parts = base.split(":")
        stem = parts[0]
        if len(parts) == 1:
            if stem.endswith("e"):
                parts = [stem, stem + "d", stem[:-1] + "ing", stem + "s"]
            elif stem.endswith("y"):
                parts = [stem, stem[:-1] + "ied", stem + "ing", stem[:-1] + "ies"]
            else:
                parts = [stem, stem + "ed", stem + "ing", stem + "s"]
        words.extend(p for p in parts if p)
    return "/".join(dict.fromkeys(words))


_MEET = _forms("meet:met:meeting:meets")
_HOLD = _forms("hold:held:holding:holds")
_PROVIDE = _forms("provide", "supply", "deliver", "send:sent:sending:sends",
                  "give:gave:giving:gives", "offer", "pledge", "transfer:transferred:"
                  "transferring:transfers", "ship:shipped:shipping:ships")
_MILITARY = "military/weapons/arms/munitions/ammunition/shells/missiles/equipment/technology"

VERBS: tuple[VerbPattern, ...] = (
    # 02 appeal
    VerbPattern("020", _forms("urge", "appeal") + " on?"),
    VerbPattern("020", _forms("call:called:calling:calls") + " on/upon"),
    VerbPattern("023", _forms("request", "ask") + " *2 help/aid/assistance/support"),
    VerbPattern("023", "request/requests/appeal/appeals for help/aid/assistance/support"),
    # 03 intent to cooperate
    VerbPattern("030", _forms("promise", "vow", "agree:agreed:agreeing:agrees") + " to"),
    VerbPattern("031", _forms("seek:sought:seeking:seeks", "want") + " to "
                + _forms("deepen", "expand", "strengthen", "boost", "enhance")
                + " *3 partnership/cooperation/ties/relations", joint=True),
    VerbPattern("036", _forms("invite") + " *4 to? visit"),
    # 04 consult
    VerbPattern("040", _forms("consult", "confer:conferred:conferring:confers")),
    VerbPattern("040", _MEET + " with?", joint=True),
    VerbPattern("040", _HOLD + " *3 meeting/meetings/summit/consultations with?", joint=True),
    VerbPattern("040", "interactions/exchanges/contacts between", joint=True),
    VerbPattern("041", _forms("telephone", "phone") + " *2"),
    VerbPattern("041", "phone call/conversation with", joint=True),
    VerbPattern("042", _forms("visit", "tour", "attend") + " to?"),
    VerbPattern("042", _forms("arrive") + " in/at"),
    VerbPattern("042", "trip/stopover/journey to/in"),
    VerbPattern("043", _forms("host", "receive", "welcome")),
    VerbPattern("045", _forms("mediate")),
    VerbPattern("046", _HOLD + " *2 talks/negotiations with?", joint=True),
    VerbPattern("046", "talks/negotiations with", joint=True),
    VerbPattern("046", _forms("negotiate") + " with", joint=True),
    # 05 diplomatic cooperation
    VerbPattern("051", _forms("praise", "hail", "commend", "endorse", "back", "applaud",
                              "support")),
    VerbPattern("054", _forms("recognize", "recognise")),
    VerbPattern("055", _forms("apologize", "apologise") + " to?"),
    VerbPattern("057", _forms("sign:signed:signing:signs", "conclude") +
                " *3 agreement/treaty/accord/pact/deal/memorandum", joint=True),
    VerbPattern("050", _forms("restore", "normalize", "normalise", "establish") +
                " *2 diplomatic? ties/relations"),
    # 06 material cooperation
    VerbPattern("060", _forms("cooperate") + " with", joint=True),
    VerbPattern("061", "economic/trade cooperation with", joint=True),
    VerbPattern("062", _forms("cooperate") + " militarily", joint=True),
    VerbPattern("062", "military cooperation/ties/alliance with/between", joint=True),
    VerbPattern("062", _forms("reach:reached:reaching:reaches")
                + " *2 cooperation/agreement", joint=True),
    # 07 provide aid
    VerbPattern("070", _PROVIDE + " *3 aid/assistance/support/help"),
    VerbPattern("071", _PROVIDE + " *3 economic/financial/food aid/assistance/support/loans"),
    VerbPattern("072", _PROVIDE + " *3 " + _MILITARY + " *2 aid/assistance/support/help?"),
    VerbPattern("072", _forms("support") + " *3 " + _MILITARY),
    VerbPattern("072", _forms("arm")),
    VerbPattern("073", _PROVIDE + " *3 humanitarian aid/assistance/relief"),
    # 08 yield
    VerbPattern("084", _forms("release", "free:freed:freeing:frees")),
    VerbPattern("085", _forms("lift", "ease") + " *3 sanctions/embargo"),
    VerbPattern("087", _forms("withdraw:withdrew:withdrawing:withdraws") + " *2 troops/forces"),
    # 09 investigate, 10 demand
    VerbPattern("090", _forms("investigate", "probe")),
    VerbPattern("100", _forms("demand")),
    # 11 disapprove
    VerbPattern("111", _forms("criticize", "criticise", "condemn", "denounce",
                              "slam:slammed:slamming:slams", "blast", "rebuke", "decry")),
    VerbPattern("112", _forms("accuse", "blame", "allege")),
    # 12 reject
    VerbPattern("120", _forms("reject", "refuse", "dismiss", "rebuff")),
    # 13 threaten
    VerbPattern("130", _forms("threaten", "warn")),
    VerbPattern("138", _forms("threaten") + " *3 military/war/attack/strike/force/strikes"),
    # 14 protest
    VerbPattern("141", _forms("protest", "demonstrate", "rally:rallied:rallying:rallies")),
    VerbPattern("141", _forms("stage") + " *3 protest/protests/demonstration/rally"),
    # 15 force posture
    VerbPattern("150", "nuclear/missile/weapons/weapon test/tests/testing/launch/launches",
                notarget=True),
    VerbPattern("150", _forms("test", "launch", "fire") + " *3 missile/missiles/nuclear/icbm/"
                "icbms/rocket/rockets/bomb", notarget=True),
    VerbPattern("150", _forms("conduct", "stage") + " *3 drills/exercises/maneuvers",
                notarget=True),
    VerbPattern("154", _forms("deploy", "mobilize", "mobilise", "mass")
                + " *3 troops/forces/submarines/warships/missiles", notarget=True),
    VerbPattern("154", "deployment of *3 troops/forces/submarines/warships/missiles",
                notarget=True),
    # 16 reduce relations
    VerbPattern("161", _forms("designate", "name", "brand", "label:labelled:labelling:labels")
                + " *6 as *5 enemy/enemies/foe/adversary"),
    VerbPattern("161", _forms("sever", "cut:cut:cutting:cuts", "break:broke:breaking:breaks",
                              "downgrade") + " *2 ties/relations"),
    VerbPattern("163", _forms("impose", "slap:slapped:slapping:slaps") +
                " *3 sanctions/embargo/tariffs"),
    VerbPattern("163", _forms("sanction")),
    VerbPattern("164", _forms("suspend", "halt:halted:halting:halts") + " *2 talks/negotiations"),
    VerbPattern("174", _forms("expel:expelled:expelling:expels", "deport")),
    # 17 coerce
    VerbPattern("171", _forms("seize", "confiscate")),
    VerbPattern("173", _forms("arrest", "detain", "jail", "imprison", "convict", "indict")),
    VerbPattern("173", _forms("issue") + " *3 arrest warrant/warrants"),
    # 18-20 force
    VerbPattern("180", _forms("kill:killed:killing:kills", "abduct", "kidnap:kidnapped:"
                              "kidnapping:kidnaps")),
    VerbPattern("190", _forms("attack", "strike:struck:striking:strikes", "raid")),
    VerbPattern("190", _forms("fight:fought:fighting:fights", "clash:clashed:clashing:clashes")
                + " with", joint=True),
    VerbPattern("192", _forms("invade", "occupy:occupied:occupying:occupies")),
    VerbPattern("194", _forms("shell:shelled:shelling:shells")),
    VerbPattern("195", _forms("bomb", "airstrike") ),
)
