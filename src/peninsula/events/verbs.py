"""Verbs the coder adds to the PETRARCH-2 verb dictionary, and the reporting verbs it skips.

``CAMEO.2.0.txt`` names a few common news verbs only in its comments, not in a verb list
(checked against the old coder's ~75 patterns: "urge", "normalize", "test", "downgrade",
"sanction" are missing). ``SUPPLEMENT`` gives each a CAMEO code from the codebook's
definitions (Schrodt 2012): these are whole verbs, not patterns for particular sentences, and
a verb the dictionary itself lists always takes the dictionary's entry.
"""

from __future__ import annotations

#: lemma → CAMEO code, for verbs absent from the PETRARCH-2 verb lists.
SUPPLEMENT: dict[str, str] = {
    "urge": "020",        # make an appeal or request
    "normalize": "050",   # engage in diplomatic cooperation (normalize relations)
    "normalise": "050",
    "test": "150",        # demonstrate military or police power (weapons tests)
    "downgrade": "161",   # reduce or break diplomatic relations
    "sanction": "163",    # impose embargo, boycott or sanctions
}

#: Reporting verbs: never an event, and the reporter never an actor.
REPORTING: frozenset[str] = frozenset({
    "say", "tell", "report", "state", "add", "note", "quote", "write", "comment", "remark",
})

#: Verbs of denial: the act in their clause is said not to have happened ("denied providing
#: weapons", "denied that it provided weapons"), so the clause gives no event, and it is no
#: refusal either (denying an accusation is not rejecting a proposal).
DENIAL: frozenset[str] = frozenset({"deny", "dismiss", "refute"})

#: Light (support) verbs: their meaning is carried by the event noun they govern ("held a
#: phone call", "made a visit", "launched an attack"), so without a pattern of their own they
#: take that noun's code.
LIGHT: frozenset[str] = frozenset({
    "hold", "make", "pay", "conduct", "carry", "stage", "launch", "begin", "start", "resume",
    "have", "take", "give", "undertake", "mount", "wage", "do",
})
