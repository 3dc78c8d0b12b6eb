"""Benchmarks for peninsula.events: bulk import speed and text-coder quality.

(a) rows/s and peak memory (child-process max RSS) of importing a generated GDELT 1.0 file;
(b) precision and recall of (source, target, CAMEO root) triples of the dictionary coder on
    shared/data/petrarch2_validation.jsonl, per suite (petr2_gsr is the real-news suite).

Run: python benchmarks/bench_events.py [--rows 1000000] [--skip-import]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from peninsula.events.actors import ActorEntry, builtin_actors, country_level, load_phoenix_actors
from peninsula.events.coder import DictionaryCoder

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _require_data() -> None:
    if not DATA.is_dir():
        sys.exit(f"shared data folder not found: {DATA}")


def _import_child(path: str, db: str, queue: mp.Queue) -> None:
    from peninsula.events.database import connect, import_file

    con = connect(db)
    start = time.perf_counter()
    result = import_file(con, path)
    elapsed = time.perf_counter() - start
    con.close()
    queue.put((elapsed, result.inserted, result.rejected))


def bench_import(rows: int) -> dict[str, float]:
    from peninsula.events.synthetic import write_gdelt1

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gdelt1.tsv"
        start = time.perf_counter()
        write_gdelt1(path, rows, seed=1)
        generated = time.perf_counter() - start
        ctx = mp.get_context("spawn")
        queue: mp.Queue = ctx.Queue()
        proc = ctx.Process(target=_import_child, args=(str(path), str(Path(tmp) / "e.duckdb"),
                                                       queue))
        proc.start()
        elapsed, inserted, rejected = queue.get()
        proc.join()
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return {"rows": rows, "file_mb": path.stat().st_size / 1e6 if path.exists() else 0,
                "generate_s": generated, "import_s": elapsed, "rows_per_s": inserted / elapsed,
                "inserted": inserted, "rejected": rejected, "peak_rss_mb": peak_mb}


def load_validate_actors(path: Path) -> list[ActorEntry]:
    """Actors of PETRARCH's toy validation dictionary (``PHRASE [CODE]``, ``+SYNONYM`` lines)."""
    entries: list[ActorEntry] = []
    phrases: list[str] = []
    codes: list[str] = []

    def flush() -> None:
        if phrases and codes:
            entries.extend(ActorEntry(p, codes[0]) for p in phrases)

    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("<"):
            continue
        found = re.findall(r"\[([^\]\s]+)[^\]]*\]", line)
        text = re.sub(r"\[[^\]]*\]", "", line).strip()
        if raw[:1] in (" ", "\t") and not text:
            codes.extend(found)
        elif text.startswith("+"):
            phrases.append(text[1:].replace("_", " ").strip())
        else:
            flush()
            phrases = [text.replace("_", " ").strip()] if text else []
            codes = list(found)
    flush()
    return [e for e in entries if e.phrase and e.code.isalnum()]


def _triples(events: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    return {(country_level(e["source"]), country_level(e["target"]), e["code"][:2])
            for e in events}


def bench_coder() -> list[dict[str, object]]:
    records = [json.loads(line) for line in
               (DATA / "petrarch2_validation.jsonl").read_text(encoding="utf-8").splitlines()]
    builtin = DictionaryCoder()
    with_phoenix = DictionaryCoder(actors=builtin_actors()
                                   + load_phoenix_actors(DATA / "phoenix_actors_nea.csv"))
    toy = DictionaryCoder(actors=builtin_actors() + load_validate_actors(
        DATA / "petrarch2_validate_dicts" / "PETR.Validate.actors.txt"))
    plans = [("petr2_gsr", "built-in", builtin), ("petr2_gsr", "built-in + Phoenix NEA",
                                                   with_phoenix),
             ("petrarch2_unittest", "built-in + validation actors", toy),
             ("udpetr_validate_2_02", "built-in + validation actors", toy)]
    rows = []
    for suite, label, coder in plans:
        chosen = [r for r in records if r["suite"] == suite
                  and r.get("flags", {}).get("evaluate", True) is not False]
        tp = n_pred = n_exp = 0
        start = time.perf_counter()
        for record in chosen:
            stamp = (record.get("date") or "")
            day = (date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8])) if len(stamp) == 8
                   else date(2008, 8, 6))
            predicted = {(e.source, e.target or "", e.root_code)
                         for e in coder.code(record["text"], day)}
            expected = _triples(record["expected_events"])
            tp += len(predicted & expected)
            n_pred += len(predicted)
            n_exp += len(expected)
        elapsed = time.perf_counter() - start
        rows.append({"suite": suite, "dictionary": label, "records": len(chosen),
                     "expected": n_exp, "predicted": n_pred, "correct": tp,
                     "precision": tp / n_pred if n_pred else 0.0,
                     "recall": tp / n_exp if n_exp else 0.0,
                     "sentences_per_s": len(chosen) / elapsed})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    _require_data()
    console = Console(width=150)
    if not args.skip_import:
        result = bench_import(args.rows)
        table = Table(title="GDELT 1.0 import (generated file)")
        for key in result:
            table.add_column(key, justify="right")
        table.add_row(*(f"{v:,.2f}" if isinstance(v, float) else f"{v:,}"
                        for v in result.values()))
        console.print(table)
    table = Table(title="Coder vs petrarch2_validation.jsonl: (source, target, CAMEO root)")
    rows = bench_coder()
    for key in rows[0]:
        table.add_column(key, justify="right" if key not in ("suite", "dictionary") else "left")
    for row in rows:
        table.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()))
    console.print(table)


if __name__ == "__main__":
    main()
