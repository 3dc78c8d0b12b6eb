# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Peninsula quickstart
#
# Load the flagship scenario, change one assumption, simulate, and read the results as pandas
# tables; then switch a claim of the seed analysis off on the same random draws, and explore
# the policy levers over sampled assumptions. Open it as a notebook with
# `jupytext --to notebook examples/quickstart.py`, or run it as a script.
# Sizes are small so it runs in under a minute; use 10,000 futures for real numbers.
# (Run as a script, each worker process of the exploration re-imports this file and repeats
# the cells above it; in a notebook it does not.)

# %%
import sys
import tempfile
from pathlib import Path

import peninsula as pn

FUTURES = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
workdir = Path(tempfile.mkdtemp(prefix="peninsula-quickstart-"))

# %% [markdown]
# ## A run: what can happen, how likely, when

# %%
sc = pn.load_scenario("korea-2024").with_overrides({"actors.USA.objectives.war_aversion": 0.8})
run = pn.run(sc, futures=FUTURES, seed=7)
summary = run.summary()
print(summary[["outcome", "probability", "low", "high", "median_first_month"]]
      .to_string(index=False))

# %%
outcomes = run.outcomes()  # one row per future, one named column per outcome
events = run.events()  # the simulated event stream, CAMEO/PLOVER/Goldstein coded
print(outcomes.mean().round(3).to_string())
print(events.groupby("plover").size().sort_values(ascending=False).head(5).to_string())
saved = run.save(workdir / "run")  # the same files `peninsula run` writes
print(sorted(p.name for p in saved.iterdir()))

# %% [markdown]
# ## A counterfactual: the Russia-DPRK exchange (claim S4) switched off

# %%
cf = pn.counterfactual(sc, without=["S4"], futures=FUTURES, seed=7)
table = cf.table()
print(table[table.significant][["outcome", "with", "without", "difference", "low", "high"]]
      .to_string(index=False))

# %% [markdown]
# ## An exploration: which policy holds up whatever the unknowns

# %%
if __name__ == "__main__":  # worker processes re-import this file
    ex = pn.explore(sc, samples=8, futures=50, months=12, sampler="lhs", seed=1,
                    executor=pn.executors.Processes(2), out=workdir / "explore")
    res = pn.open_exploration(workdir / "explore")
    analysis = res.analyze(outcome="war_on_peninsula")
    print(analysis.regret_table().round(4).to_string(index=False))
    print("most robust:", analysis.robustness.best("max_regret"))
    report = pn.write_report(res, workdir / "report.html")
    print("report:", report.name)
