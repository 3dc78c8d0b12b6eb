"""A starting point for a new scenario: a small, valid, commented YAML file.

The template loads with :func:`~peninsula.scenario.loading.load_scenario` and runs as it is, so
an author edits a working scenario rather than an empty page. Its numbers are placeholders.
"""

from __future__ import annotations

import json

from pydantic import TypeAdapter, ValidationError

from peninsula.scenario.model import Scenario

_NAME = TypeAdapter(Scenario.model_fields["name"].annotation)

_TEMPLATE = """\
# A new scenario: three actors, the standard action catalogue, three outcomes.
# Every number below is a placeholder: replace it with your own judgement and give the reason in
# a `rationale`. Every field is described in docs/scenario-reference.md.
name: {name}
title: {title}
description: >
  What the scenario is about, in a paragraph: the crisis, the actors, the question asked.
start: 2025-01          # first simulated month (YYYY-MM)
horizon_months: 12      # months simulated
# The shipped catalogue of 22 actions (consult, summit, ..., sanction, threaten, ..., war,
# nuclear use). Actions listed under `actions:` here are added to it, or replace the catalogue
# action with the same id; `overrides:` can change one field of a catalogue action.
catalogue: standard

# Actors: each chooses one action toward every other actor each month. Capabilities are on
# normalised scales (US military = 1); objective weights are non-negative, on any scale, and
# war_aversion weighs the cost of escalating.
actors:
  - code: RED           # three capital letters (CAMEO / ISO-3 style)
    name: Red
    capabilities: {{military: 0.4, nuclear: 0.1, second_strike: 0.3}}
    objectives: {{security: 1.0, regime_survival: 0.8, influence: 0.3, economy: 0.3,
                 war_aversion: 2.0}}
    risk_attitude: 0.3  # 0 cautious ... 1 accepts escalation risk freely
    rationality: 3.0    # higher: picks its best option more often
    arms_reactivity: 0.3
    arms_fatigue: 0.05
    rationale:
      capabilities: placeholder - replace with a sourced judgement
  - code: BLU
    name: Blue
    capabilities: {{military: 0.3}}
    objectives: {{security: 1.0, influence: 0.3, economy: 0.8, war_aversion: 2.0}}
    risk_attitude: 0.1
    rationality: 3.0
    arms_reactivity: 0.3
    arms_fatigue: 0.05
  - code: GRN
    name: Green
    capabilities: {{military: 0.8, nuclear: 0.5, economic: 0.8, second_strike: 0.9}}
    objectives: {{security: 1.0, influence: 0.6, economy: 1.0, alliance_credibility: 0.6,
                 war_aversion: 2.5}}
    risk_attitude: 0.1
    rationality: 3.0

# Dyads: the starting relationship of a pair. `relation` (Goldstein scale, -10 hostile ...
# +10 friendly) is shared by both sides; `commitment` (to defend) and `dependence` go from
# source to target unless `mutual: true`. Pairs not listed start neutral.
dyads:
  - {{source: RED, target: BLU, relation: -4, rationale: placeholder - rivals}}
  - {{source: GRN, target: BLU, relation: 5, commitment: 0.5,
     rationale: placeholder - Green has pledged to defend Blue}}
  - {{source: RED, target: GRN, relation: -1, dependence: 0.2, mutual: true}}

# Dated events outside the actors' choices. An event may unlock an option until then closed;
# with `happens: false` it never happens (a way to switch a claim off).
events:
  - id: summit_agenda
    month: 2025-06
    label: A Green-Blue summit is put on the agenda
    unlocks: [{{action: summit, source: GRN, target: BLU, salience: 0.5}}]

# Outcomes: what is measured in each simulated future. `rung`: a listed pair reached an
# escalation rung (6 deadly clash, 8 war); `action`: an action happened; `arms_growth`: the
# relative growth of the actors' summed arms.
default_outcome: war
outcomes:
  - {{id: war, label: Red-Blue war, kind: rung, min_rung: 8, pairs: [[RED, BLU]]}}
  - {{id: talks, label: Red-Blue talks, kind: action, action: negotiate,
     sources: [RED, BLU], targets: [RED, BLU]}}
  - {{id: arms_growth, label: Arms growth, kind: arms_growth}}

# Coefficients of the monthly turn loop; every one has a default (see the reference).
dynamics:
  effort: 1.0           # a cost on acting at all: doing nothing is the usual choice
  affinity: 2.0         # cooperate with friends, confront adversaries
  tone_cap: 5.0         # beyond |Goldstein| 5 a harsher act says no more: costs decide
  reply_restraint: 0.3  # a war-averse target is expected to answer less forcefully
  rationale:
    effort: placeholder - most months most pairs do nothing
    tone_cap: placeholder - no reward for violence as such

# Random accidents and misperceptions, as likely to calm a relation as to inflame it.
shocks:
  enabled: true
  probability: 0.02     # per pair and month
  magnitude: 1.5        # Goldstein points

# Also possible (see the reference): `claims:` (what a source argues and how to switch it off),
# `overrides:`, `elections:` (winners drawn per future), an actor's `theatre:` (a war elsewhere)
# and `instability:` (domestic crises), and `uncertainties:` / `levers:` for `peninsula explore`.
"""


def new_scenario_yaml(name: str) -> str:
    """A minimal valid scenario named ``name`` (three actors, standard catalogue), as YAML text.

    Raises ``ValueError`` when ``name`` is not a valid scenario name.
    """
    try:
        _NAME.validate_python(name)
    except ValidationError:
        raise ValueError(
            f"invalid scenario name {name!r}: use lower-case letters, digits, '_' and '-', "
            "starting with a letter (e.g. 'baltic-2025')"
        ) from None
    title = json.dumps(name.replace("-", " ").replace("_", " ").capitalize())
    return _TEMPLATE.format(name=name, title=title)
