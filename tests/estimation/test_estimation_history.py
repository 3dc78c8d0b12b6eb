"""Reading a history folder: typed readers, clear errors, missing files and the one cut."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from peninsula.errors import UserError
from peninsula.estimation.history import (
    FILES,
    VANTAGE,
    HistoryError,
    parse_until,
    read_history,
)


def test_reads_every_file_typed_and_before_the_vantage_point(history_dir):
    h = read_history(history_dir)
    assert h.cut == VANTAGE and h.missing == ()
    assert set(h.tables) == set(FILES)
    m = h.tables["missile_tests"]
    assert pd.api.types.is_datetime64_any_dtype(m["date"])
    assert m["missiles_in_event"].dtype == "Int64"
    assert len(m) == 7  # 2024-02-10 is before 2024-02-15: kept
    assert h.tables["gdelt"]["date"].max() == pd.Timestamp("2024-02-03")


def test_until_a_month_keeps_that_month_and_cuts_in_one_place(history_dir):
    h = read_history(history_dir, until="2020-01")
    assert h.cut == dt.date(2020, 2, 1)
    assert h.tables["missile_tests"]["date"].max() == pd.Timestamp("2020-01-15")
    assert h.tables["provocations"]["month"].max() == pd.Timestamp("2020-01-01")
    assert h.tables["nuclear_tests"]["test_number"].tolist() == [1]
    assert h.tables["icews"]["year"].tolist() == [2018, 2018, 2019, 2019]  # 2019 ended
    assert h.tables["gdelt"].empty
    # the crisis triggered 2019-03 ended before the cut; the cyber campaign had not
    crises = h.tables["crises"]
    assert crises["crisno"].tolist() == [500] and not crises["ongoing_at_cut"].any()
    cyber = h.tables["cyber"]
    assert cyber["ongoing_at_cut"].tolist() == [True] and cyber["end_date"].isna().all()


def test_a_year_is_read_only_once_it_has_ended(history_dir):
    h = read_history(history_dir, until="2019-12-30")
    assert h.tables["icews"]["year"].unique().tolist() == [2018]


@pytest.mark.parametrize("until", ["2024-02-15", "2024-03", "2025-01"])
def test_nothing_after_the_vantage_point(history_dir, until):
    with pytest.raises(HistoryError, match="vantage point"):
        read_history(history_dir, until=until)


@pytest.mark.parametrize("until", ["2020-13", "next year", "2020/01/01"])
def test_bad_until_is_a_user_error(until):
    with pytest.raises(UserError, match="until"):
        parse_until(until)


def test_missing_files_are_listed_unless_required(history_dir):
    (history_dir / "mid_incidents.csv").unlink()
    (history_dir / "icews_dyad_year.csv").unlink()
    h = read_history(history_dir)
    assert h.missing == ("incidents", "icews")
    with pytest.raises(HistoryError, match="mid_incidents.csv: file missing"):
        h.table("incidents")
    with pytest.raises(HistoryError, match=r"mid_incidents.csv: file missing \(required\)"):
        read_history(history_dir, required=["incidents"])
    with pytest.raises(HistoryError, match="unknown history series"):
        read_history(history_dir, required=["wars"])


def test_an_empty_or_absent_folder_is_a_user_error(tmp_path):
    with pytest.raises(HistoryError, match="not a folder"):
        read_history(tmp_path / "nowhere")
    with pytest.raises(HistoryError, match="none of the history files"):
        read_history(tmp_path)


def test_bad_values_name_file_line_and_column(history_dir):
    path = history_dir / "dprk_missile_tests.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("2019-05-04", "2019-13-04", 1)
    lines[5] = lines[5].replace("SRBM", "BIG", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(HistoryError) as info:
        read_history(history_dir)
    problems = info.value.problems
    assert f"{path}, line 3, column date: expected a date YYYY-MM-DD, got '2019-13-04'" \
        in problems
    assert any("line 6, column missile_type: expected one of" in p and "'BIG'" in p
               for p in problems)


def test_a_missing_column_is_reported_on_line_1(history_dir):
    path = history_dir / "icews_dyad_year.csv"
    text = path.read_text().replace("verbal_conflict", "verbal_conflicts", 1)
    path.write_text(text)
    with pytest.raises(HistoryError, match=r"line 1: missing column\(s\) verbal_conflict"):
        read_history(history_dir)


def test_actor_codes_must_be_the_six(history_dir):
    path = history_dir / "mid_incidents.csv"
    path.write_text(path.read_text().replace(",CHN,JPN,", ",CHN,TWN,", 1))
    with pytest.raises(HistoryError, match="column actor_b: expected one of PRK"):
        read_history(history_dir)
