"""Benchmarks for peninsula.events: bulk import speed and text-coder quality.

(a) rows/s and peak memory (child-process max RSS) of importing a generated GDELT 1.0 file;
(b) precision and recall of (source, target, CAMEO root) triples of the dependency-parse coder
    on shared/data/petrarch2_validation.jsonl, per suite (petr2_gsr is the real-news suite), and
    on the NEA 2023-early-2024 test set of tests/events/data/, with Wilson score 95% intervals
    (each triple one Bernoulli trial; sentences with several triples make them optimistic), a
    breakdown of the missed triples (actor not recognised / no event joined a recognised pair /
    wrong actors / wrong root / reversed) and speed in sentences per second, parse included, on
    one core (the process is pinned to one CPU with sched_setaffinity).

Triples compare country-level codes; "---" (an actor the gold standard leaves unknown) matches
only "---" (a source known by its sector alone). Symmetric verbs follow the coder's convention
(peninsula.events.coder): a symmetric code x:x ("held talks with") gives both directions unless
the target is only a place, x:y ("visited") the subject's only, "met" the subject's only, and
actors conjoined as subject of a cooperative verb with no object every ordered pair.
--no-discards scores the coder without the Phoenix discard list (to see what it costs).

Run: python benchmarks/bench_events.py [--rows 1000000] [--skip-import] [--skip-coder]
         [--no-discards]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from peninsula.events.actors import ActorEntry, builtin_actors, country_level
from peninsula.events.coder import DictionaryCoder

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NEA_SET = Path(__file__).resolve().parents[1] / "tests" / "events" / "data" / "nea_2023_24.jsonl"


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
    return {(_country(e["source"]), _country(e["target"]), e["code"][:2]) for e in events}


def _country(code: str) -> str:
    return "---" if not code or code.startswith("---") else country_level(code)


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95% interval of a proportion (each triple counted as one trial)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def classify_miss(expected: tuple[str, str, str], predicted: set[tuple[str, str, str]],
                  recognised: set[str]) -> str:
    """Why an expected triple was missed (the categories of issue 14)."""
    source, target, root = expected
    if (target, source, root) in predicted:
        return "reversed"
    if any((s, t) == (source, target) for s, t, _ in predicted):
        return "wrong root"
    if not {source, target} - {"---"} <= recognised or "---" in (source, target):
        return "actor not recognised"
    if any(r == root for _, _, r in predicted):
        return "wrong actors"
    return "no event joined a recognised pair"


def _day(stamp: str) -> date:
    if len(stamp) == 8:
        return date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    if len(stamp) == 10:
        return date.fromisoformat(stamp)
    return date(2008, 8, 6)


def score_suite(coder: DictionaryCoder, chosen: list[dict]) -> dict[str, object]:
    """Precision, recall (Wilson 95%), miss breakdown and speed of ``coder`` on ``chosen``."""
    tp = n_pred = n_exp = 0
    misses: Counter[str] = Counter()
    coder.code("Warm-up: Japan criticised China.", date(2024, 1, 1))  # load model and tables
    start = time.perf_counter()
    docs = list(coder.nlp.pipe([r["text"] for r in chosen], batch_size=64))
    parse_s = time.perf_counter() - start
    for record, doc in zip(chosen, docs, strict=True):
        day = _day(record.get("date") or "")
        events = coder.code_doc(doc, record["text"], day)
        predicted = {(e.source, e.target or "", e.root_code) for e in events}
        expected = _triples(record["expected_events"])
        tp += len(predicted & expected)
        n_pred += len(predicted)
        n_exp += len(expected)
        recognised = coder.mentioned_countries(doc, day)
        for triple in expected - predicted:
            misses[classify_miss(triple, predicted, recognised)] += 1
    elapsed = time.perf_counter() - start
    p_lo, p_hi = wilson(tp, n_pred)
    r_lo, r_hi = wilson(tp, n_exp)
    return {"records": len(chosen), "expected": n_exp, "predicted": n_pred, "correct": tp,
            "precision": tp / n_pred if n_pred else 0.0, "precision_95": f"{p_lo:.2f}-{p_hi:.2f}",
            "recall": tp / n_exp if n_exp else 0.0, "recall_95": f"{r_lo:.2f}-{r_hi:.2f}",
            "sentences_per_s": len(chosen) / elapsed, "parse_share": parse_s / elapsed,
            "misses": dict(misses)}


def load_records(path: Path, suite: str | None = None) -> list[dict]:
    """Evaluated records of one suite of a validation JSONL file."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    return [r for r in records if (suite is None or r["suite"] == suite)
            and r.get("flags", {}).get("evaluate", True) is not False]


def bench_coder(discards: bool = True) -> list[dict[str, object]]:
    """Score the coder on the validation suites and the NEA 2023-24 test set (one core)."""
    path = DATA / "petrarch2_validation.jsonl"
    builtin = DictionaryCoder(discards=discards)
    toy = DictionaryCoder(actors=builtin_actors() + load_validate_actors(
        DATA / "petrarch2_validate_dicts" / "PETR.Validate.actors.txt"), nlp=builtin.nlp,
        discards=discards)
    plans = [("petr2_gsr", "built-in", builtin, load_records(path, "petr2_gsr")),
             ("nea_2023_24 (tests/events/data)", "built-in", builtin,
              load_records(NEA_SET)),
             ("petrarch2_unittest", "built-in + validation actors", toy,
              load_records(path, "petrarch2_unittest")),
             ("udpetr_validate_2_02", "built-in + validation actors", toy,
              load_records(path, "udpetr_validate_2_02"))]
    rows = []
    for suite, label, coder, chosen in plans:
        rows.append({"suite": suite, "dictionary": label, **score_suite(coder, chosen)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-coder", action="store_true")
    parser.add_argument("--no-discards", action="store_true",
                        help="score the coder without the Phoenix discard list")
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
    if not args.skip_coder:
        print_coder(console, discards=not args.no_discards)


def print_coder(console: Console, discards: bool = True) -> None:
    """Run the coder benchmark on one core and print scores and the miss breakdown."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rows = bench_coder(discards)
    table = Table(title="Coder: (source, target, CAMEO root) triples, Wilson 95% intervals")
    keys = [k for k in rows[0] if k != "misses"]
    for key in keys:
        table.add_column(key, justify="right" if key not in ("suite", "dictionary") else "left")
    for row in rows:
        table.add_row(*(f"{row[k]:.3f}" if isinstance(row[k], float) else str(row[k])
                        for k in keys))
    console.print(table)
    kinds = ["actor not recognised", "no event joined a recognised pair", "wrong actors",
             "wrong root", "reversed"]
    misses = Table(title="Missed expected triples, by cause")
    misses.add_column("suite")
    for kind in kinds:
        misses.add_column(kind, justify="right")
    for row in rows:
        counts = row["misses"]
        misses.add_row(str(row["suite"]), *(str(counts.get(k, 0)) for k in kinds))
    console.print(misses)


if __name__ == "__main__":
    main()
