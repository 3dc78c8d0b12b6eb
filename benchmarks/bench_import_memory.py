"""Peak memory and speed of ``events import`` for several file sizes: memory should stay flat.

Generates a synthetic GDELT 1.0 file of N rows (``peninsula.events.synthetic``), imports it into a
fresh database in a child process and prints rows/s, the child's memory before the import
(``base``: Python, NumPy, pandas, DuckDB and the ``peninsula`` package loaded, database open) and
its peak (``VmHWM``), with the file size for comparison. For speed, ``read_csv`` is DuckDB reading
the same file into a table of text columns in a child of its own (no typing, no checks), and
``x`` the import's time over it.

Run: python benchmarks/bench_import_memory.py [--rows 100000 400000 800000] [--no-reference]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import sys, time
from peninsula.events.database import connect, import_file

def status(key):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(key + ":"))

con = connect(sys.argv[1])
base = status("VmRSS")
start = time.perf_counter()
result = import_file(con, sys.argv[2])
elapsed = time.perf_counter() - start
con.close()
print(elapsed, result.inserted, result.rejected, base, status("VmHWM"))
"""

_READ_CSV = """
import sys, time
import duckdb
con = duckdb.connect(sys.argv[1])
start = time.perf_counter()
con.execute("CREATE TABLE raw AS SELECT * FROM read_csv(?, delim = '\\t', header = false, "
            "all_varchar = true, quote = '', escape = '')", [sys.argv[2]])
print(time.perf_counter() - start)
"""


def _measure(rows: int, tmp: Path, reference: bool) -> dict[str, float]:
    from peninsula.events.synthetic import write_gdelt1

    path = write_gdelt1(tmp / f"gdelt1_{rows}.tsv", rows, seed=1)
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(tmp / f"e_{rows}.duckdb"),
                           str(path)], capture_output=True, text=True, check=True)
    elapsed, inserted, _rejected, base_kib, peak_kib = proc.stdout.split()[-5:]
    assert int(inserted) == rows, (inserted, rows)
    read_csv = float("nan")
    if reference:
        ref = subprocess.run([sys.executable, "-c", _READ_CSV, str(tmp / f"r_{rows}.duckdb"),
                              str(path)], capture_output=True, text=True, check=True)
        read_csv = float(ref.stdout.split()[-1])
    size_mib = path.stat().st_size / 2**20
    path.unlink()
    return {"rows": rows, "size": size_mib, "seconds": float(elapsed), "read_csv": read_csv,
            "base": int(base_kib) / 1024, "peak": int(peak_kib) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 400_000, 800_000])
    parser.add_argument("--no-reference", dest="reference", action="store_false",
                        help="skip the DuckDB read_csv reference timing")
    args = parser.parse_args()
    print(f"{'rows':>10} {'file MiB':>9} {'seconds':>8} {'rows/s':>9} {'read_csv s':>10} "
          f"{'x':>5} {'base MiB':>9} {'peak RSS MiB':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            m = _measure(rows, Path(tmp), args.reference)
            print(f"{rows:>10,} {m['size']:>9.1f} {m['seconds']:>8.2f} "
                  f"{rows / m['seconds']:>9,.0f} {m['read_csv']:>10.2f} "
                  f"{m['seconds'] / m['read_csv']:>5.2f} {m['base']:>9.0f} {m['peak']:>13.0f}")


if __name__ == "__main__":
    main()
