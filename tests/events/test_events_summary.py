from __future__ import annotations

import duckdb
import pytest

from peninsula.events.database import connect, import_file
from peninsula.events.summary import plot_summary, summarise_dyad


@pytest.fixture()
def con(tmp_path, fixtures):
    con = connect(tmp_path / "e.duckdb")
    import_file(con, fixtures / "gdelt1_58.tsv")
    return con


def test_monthly_counts_and_means_with_joint_weighting(con):
    s = summarise_dyad(con, "PRK-KOR", "2023-01", "2023-03", top=1)
    got = {(r.month, r.source): (r.rows, r.events, r.mean_goldstein) for r in s.months}
    assert got[("2023-01", "PRK")] == (2, 2.0, pytest.approx(-4.5))
    assert got[("2023-01", "KOR")] == (0, 0.0, None)
    assert got[("2023-02", "KOR")] == (1, 1.0, pytest.approx(4.0))
    # A joint meeting reported in both directions by one document counts once, half each way.
    assert got[("2023-03", "PRK")] == (1, 0.5, pytest.approx(1.0))
    assert got[("2023-03", "KOR")] == (1, 0.5, pytest.approx(1.0))
    assert len(s.months) == 6
    assert [(a.source, a.cameo, a.events) for a in s.top_actions] == [
        ("PRK", "111", 1.0), ("KOR", "036", 1.0)]


def test_summary_accepts_any_relation_with_month_column(con):
    simulated = con.sql("SELECT DATE '2023-01-01' AS month, * FROM (VALUES "
                        "('PRK', 'KOR', '138', -7.0), ('PRK', 'KOR', '111', -2.0), "
                        "('KOR', 'PRK', '040', 1.0)) t(source, target, cameo, goldstein)")
    s = summarise_dyad(con, ("PRK", "KOR"), "2023-01", "2023-01", relation=simulated)
    assert [(r.source, r.events, r.mean_goldstein) for r in s.months] == [
        ("PRK", 2.0, -4.5), ("KOR", 1.0, 1.0)]


def test_summary_errors_and_png(con, tmp_path):
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        summarise_dyad(con, "PRK-KOR", "2023/01", "2023-02")
    with pytest.raises(ValueError, match="expected two actor codes"):
        summarise_dyad(con, "PRK", "2023-01", "2023-02")
    with pytest.raises(ValueError, match="missing event columns"):
        summarise_dyad(con, "PRK-KOR", "2023-01", "2023-02",
                       relation=con.sql("SELECT 1 AS source"))
    out = plot_summary(summarise_dyad(con, "PRK-KOR", "2023-01", "2023-03"), tmp_path / "p.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert isinstance(con, duckdb.DuckDBPyConnection)
