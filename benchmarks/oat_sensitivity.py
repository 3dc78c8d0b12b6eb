"""One-at-a-time sensitivity of the flagship's deadly-clash and nuclear-test probabilities.

With random shocks off and default parameters, each of model v2's decision-rule parameters (and
the nuclear test's patron cost) is set to the low and then the high end of its stated range,
all else at its default, on the same futures and draws. Prints a Markdown table for the README.

    python benchmarks/oat_sensitivity.py [--futures 2000] [--seed 2024]
"""

from __future__ import annotations

import argparse

import peninsula as pn

PARAMETERS = [  # (override path, low, high): the ranges korea-2024 states for exploration
    ("dynamics.tone_cap", 3.0, 10.0),
    ("dynamics.reply_restraint", 0.0, 1.0),
    ("dynamics.affinity", 0.5, 3.0),
    ("dynamics.effort", 0.3, 2.0),
    ("dynamics.deterrence_weight", 2.0, 8.0),
    ("dynamics.hostility_bias", 1.5, 4.5),
    ("actions.nuclear_test.patron_cost", 0.0, 4.0),
    ("actors.PRK.rationality", 1.5, 5.0),
]
OUTCOMES = ("limited_clash", "dprk_nuclear_test")


def probabilities(scenario: pn.LoadedScenario, futures: int, seed: int) -> dict[str, float]:
    """The outcomes' probabilities of one run."""
    summary = pn.run(scenario, futures=futures, seed=seed, shocks=False,
                     progress=False).summary().set_index("outcome")
    return {o: float(summary.loc[o, "probability"]) for o in OUTCOMES}


def main() -> None:
    """Run the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--futures", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    base = pn.load_scenario("korea-2024")
    ref = probabilities(base, args.futures, args.seed)
    print(f"defaults, shocks off ({args.futures:,} futures, seed {args.seed}): deadly clash "
          f"{ref['limited_clash']:.1%}, DPRK nuclear test {ref['dprk_nuclear_test']:.1%}\n")
    print("| parameter | low | high | deadly clash (low / high) | nuclear test (low / high) |")
    print("|---|---:|---:|---:|---:|")
    for path, low, high in PARAMETERS:
        lo = probabilities(base.with_overrides({path: low}), args.futures, args.seed)
        hi = probabilities(base.with_overrides({path: high}), args.futures, args.seed)
        print(f"| `{path}` | {low:g} | {high:g} | {lo['limited_clash']:.1%} / "
              f"{hi['limited_clash']:.1%} | {lo['dprk_nuclear_test']:.1%} / "
              f"{hi['dprk_nuclear_test']:.1%} |", flush=True)


if __name__ == "__main__":
    main()
