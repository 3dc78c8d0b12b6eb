"""A small synthetic history folder with the columns of ``shared/data/history``.

Nothing from the real history files is shipped (CSIS data are "all rights reserved", CNS and
ICB state no licence): every file here is generated, with counts chosen so that the tests can
state the exact series and statistics they imply.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

MISSILE_COLS = ["date", "date_precision", "launch_time_utc", "launch_event",
                "missile_seq_in_event", "missiles_in_event", "missile_name", "missile_type",
                "missile_type_basis", "facility", "facility_lat", "facility_lon", "landing_area",
                "apogee_km", "distance_km", "outcome", "cns_confirmation_status",
                "crosscheck_mesege1", "source"]
# (date, event, type, missiles in the event): 2 launch events in 2019-05 (3 missiles), none in
# 2019-06..2019-12, one ICBM in 2020-01, two SRBM events in 2020-03, one in 2024-02-10.
LAUNCHES = [("2019-05-04", "20190504-a", "SRBM", 2), ("2019-05-09", "20190509-b", "SRBM", 1),
            ("2020-01-15", "20200115-c", "ICBM", 1), ("2020-03-02", "20200302-a", "SRBM", 1),
            ("2020-03-20", "20200320-d", "SRBM", 1), ("2024-02-10", "20240210-a", "SRBM", 1)]
PROVOCATION_COLS = ["month", "month_start", "missile", "conventional", "nuclear_test",
                    "nuclear_program", "hybrid", "cyber", "terror", "other", "total",
                    "max_severity", "sum_severity"]
MID_COLS = ["incident_id", "dispute_id", "start_date", "end_date", "start_day_imputed",
            "end_day_imputed", "actor_a", "actor_b", "hiact", "hiact_label", "hostlev",
            "hostlev_label", "fatality", "fatality_label", "actor_a_action",
            "actor_a_action_label", "actor_b_action", "actor_b_action_label",
            "actor_a_fatality", "actor_b_fatality", "actor_a_dispute_side_a",
            "actor_b_dispute_side_a"]
ICB_COLS = ["crisno", "crisname", "crisis_dyad_id", "actor", "adversary",
            "adversary_is_crisis_actor", "triggering_entity", "adversary_is_triggering_entity",
            "trigger_date", "trigger_date_precision", "termination_date",
            "termination_date_precision", "dyad_trigger_date", "dyad_termination_date", "triggr",
            "triggr_label", "majres", "majres_label", "crismg", "crismg_label", "cenvio",
            "cenvio_label", "sevvio", "sevvio_label", "viol", "viol_label", "gravty",
            "gravty_label", "outcom", "outcom_label", "pair_source"]
CYBER_COLS = ["dcid_id", "incident_name", "start_date", "end_date", "initiator", "target",
              "dcid_dyad", "method", "method_label", "target_type", "target_type_label",
              "cyber_objective", "cyber_objective_label", "information_operation",
              "objective_achieved", "concession", "third_party_initiator", "severity",
              "severity_label", "damage_type", "damage_type_label",
              "critical_infrastructure_sector", "critical_infrastructure_label", "supply_chain",
              "ransomware", "coding_note"]


def _write(path: Path, cols: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})


def write_history(folder: Path) -> Path:
    """Write the eight synthetic history files into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for date, event, kind, n in LAUNCHES:
        for i in range(n):
            rows.append({"date": date, "date_precision": "day", "launch_event": event,
                         "missile_seq_in_event": i + 1, "missiles_in_event": n,
                         "missile_name": "Test", "missile_type": kind, "outcome": "success",
                         "apogee_km": "100" if i == 0 else ""})
    _write(folder / "dprk_missile_tests.csv", MISSILE_COLS, rows)
    _write(folder / "dprk_nuclear_tests.csv",
           ["test_number", "date", "site", "latitude", "longitude", "csis_severity", "source",
            "also_listed_in"],
           [{"test_number": 1, "date": "2019-09-03"}, {"test_number": 2, "date": "2021-06-01"}])
    prov = []
    for year in (2019, 2020, 2021, 2022, 2023, 2024):
        for month in range(1, 13):
            if (year, month) > (2024, 1):
                break
            missile = 2 if (year, month) == (2019, 5) else 1 if (year, month) == (2020, 3) else 0
            conv = 1 if month == 6 else 0
            prov.append({"month": f"{year}-{month:02d}", "month_start": f"{year}-{month:02d}-01",
                         "missile": missile, "conventional": conv, "nuclear_test": 0,
                         "nuclear_program": 0, "hybrid": 0, "cyber": 0, "terror": 0, "other": 0,
                         "total": missile + conv,
                         "max_severity": 4 if missile == 2 else 2 if missile + conv else 0,
                         "sum_severity": 0})
    _write(folder / "dprk_provocations_monthly.csv", PROVOCATION_COLS, prov)
    mid = [
        {"incident_id": 1, "start_date": "2019-02-01", "end_date": "2019-02-03",
         "actor_a": "PRK", "actor_b": "KOR", "hostlev": 3, "fatality": 0},
        {"incident_id": 2, "start_date": "2019-02-10", "end_date": "2019-02-11",
         "actor_a": "PRK", "actor_b": "KOR", "hostlev": 4, "fatality": 1},
        {"incident_id": 2, "start_date": "2019-02-10", "end_date": "2019-02-11",
         "actor_a": "PRK", "actor_b": "USA", "hostlev": 4, "fatality": 1},
        {"incident_id": 3, "start_date": "2020-05-01", "end_date": "2020-08-30",
         "actor_a": "CHN", "actor_b": "JPN", "hostlev": 3, "fatality": -9},
    ]
    for r in mid:
        r.update(dispute_id=10, hiact=7)
    _write(folder / "mid_incidents.csv", MID_COLS, mid)
    _write(folder / "icb_crises.csv", ICB_COLS, [
        {"crisno": 500, "crisname": "TEST CRISIS", "actor": "KOR", "adversary": "PRK",
         "trigger_date": "2019-03-15", "termination_date": "2019-05-02"},
        {"crisno": 501, "crisname": "LONG CRISIS", "actor": "USA", "adversary": "PRK",
         "trigger_date": "2020-02-01", "termination_date": "2020-10-01"}])
    icews = []
    for year in (2018, 2019):
        for src, tgt in (("PRK", "KOR"), ("KOR", "PRK")):
            icews.append({"year": year, "source": src, "target": tgt, "verbal_cooperation": 6,
                          "material_cooperation": 0, "verbal_conflict": 3 if year == 2018 else 1,
                          "material_conflict": 1 if year == 2018 else 3})
    _write(folder / "icews_dyad_year.csv",
           ["year", "source", "target", "verbal_cooperation", "material_cooperation",
            "verbal_conflict", "material_conflict"], icews)
    gdelt = [{"date": d, "actor_a": "KOR", "actor_b": "PRK", "score": s,
              "day_abs_sum_all_country_pairs": 1000.0}
             for d, s in (("2023-12-01", -10.0), ("2023-12-02", 4.0), ("2024-01-05", 2.0),
                          ("2024-02-03", 50.0))]
    _write(folder / "gdelt_composite_daily.csv",
           ["date", "actor_a", "actor_b", "score", "day_abs_sum_all_country_pairs"], gdelt)
    _write(folder / "cyber_incidents.csv", CYBER_COLS, [
        {"dcid_id": 1, "start_date": "2019-01-01", "end_date": "2021-01-01",
         "initiator": "PRK", "target": "KOR", "severity": 3}])
    return folder


@pytest.fixture()
def history_dir(tmp_path: Path) -> Path:
    """A fresh synthetic history folder (tests may damage it)."""
    return write_history(tmp_path / "history")


@pytest.fixture(scope="session")
def korea():
    """The flagship scenario, loaded once for the fit tests."""
    from peninsula.scenario.loading import load_scenario

    return load_scenario("korea-2024")


@pytest.fixture(scope="session")
def example_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated (synthetic) history folder, 2015-01 to 2024-01."""
    from peninsula.estimation.toy import write_example_history

    return write_example_history(tmp_path_factory.mktemp("example-history"))
