"""The common event columns shared by every importer, the text coder and the summaries.

One row is one directed event ``source → target``. ``source`` and ``target`` are country-level
codes (ISO-3 / CAMEO country codes, or a CAMEO international-organisation code such as ``UNO``
where the actor is no state), so the same dyad code ``PRK-KOR`` addresses GDELT, ICEWS, PLOVER
and coded text alike; the full actor codes or names are kept in ``source_actor`` /
``target_actor``. CAMEO codes are strings (``"010"`` is not ``"10"``).
"""

from __future__ import annotations

from typing import Final

#: (column, DuckDB type, meaning) of the ``events`` table, in table order.
EVENT_COLUMNS: Final[tuple[tuple[str, str, str], ...]] = (
    ("event_key", "VARCHAR", "stable key: dataset id, or a hash of the raw row"),
    ("dataset", "VARCHAR", "gdelt1, gdelt2, icews, plover or coder"),
    ("date", "DATE", "day the event happened"),
    ("source", "VARCHAR", "source country (ISO-3/CAMEO) or IGO code"),
    ("target", "VARCHAR", "target country (ISO-3/CAMEO) or IGO code"),
    ("source_actor", "VARCHAR", "source actor code or name as given"),
    ("target_actor", "VARCHAR", "target actor code or name as given"),
    ("cameo", "VARCHAR", "CAMEO event code (string)"),
    ("root_code", "VARCHAR", "CAMEO root code, two digits"),
    ("plover_type", "VARCHAR", "PLOVER event type"),
    ("goldstein", "DOUBLE", "Goldstein value (file's own where given, else GDELT table)"),
    ("quad_class", "TINYINT", "1 verbal coop, 2 material coop, 3 verbal conflict, 4 material"),
    ("mentions", "INTEGER", "mentions or weight where the source gives one"),
    ("action_country", "VARCHAR", "ISO-3 country where the event took place"),
    ("doc_id", "VARCHAR", "document id or URL"),
    ("source_file", "VARCHAR", "file the row came from"),
    ("source_line", "BIGINT", "line (1-based) of the row in that file"),
    ("raw", "VARCHAR", "the original row, or the coded sentence as JSON"),
)

EVENT_COLUMN_NAMES: Final[tuple[str, ...]] = tuple(name for name, _, _ in EVENT_COLUMNS)

#: (column, DuckDB type) of the ``rejects`` table.
REJECT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("dataset", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("raw", "VARCHAR"),
    ("source_path", "VARCHAR"),
    ("import_id", "BIGINT"),
)

#: Rejects are keyed by ``source_path`` (the resolved path, plus ``:member`` inside a zip
#: archive) and ``import_id``; re-importing a file replaces its rejects.

#: One row per import of one file.
IMPORT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("source_file", "VARCHAR"),
    ("dataset", "VARCHAR"),
    ("imported_at", "TIMESTAMP"),
    ("rows_read", "BIGINT"),
    ("inserted", "BIGINT"),
    ("already_present", "BIGINT"),
    ("rejected", "BIGINT"),
    ("source_path", "VARCHAR"),
    ("import_id", "BIGINT"),
)


def create_table_sql(table: str, columns: tuple[tuple[str, ...], ...]) -> str:
    """``CREATE TABLE IF NOT EXISTS`` statement for a column layout above."""
    body = ", ".join(f"{col[0]} {col[1]}" for col in columns)
    return f"CREATE TABLE IF NOT EXISTS {table} ({body})"
