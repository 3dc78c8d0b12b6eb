"""Peak memory and speed of ``events import`` for two file sizes: memory should stay flat.

Generates a synthetic GDELT 1.0 file of N rows (``peninsula.events.synthetic``), imports it into a
fresh database in a child process and prints rows/s and the child's peak RSS
(``resource.getrusage(RUSAGE_CHILDREN)``), with the file size for comparison.

Run: python benchmarks/bench_import_memory.py [--rows 100000 400000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import sys, time
from peninsula.events.database import connect, import_file
con = connect(sys.argv[1])
start = time.perf_counter()
result = import_file(con, sys.argv[2])
elapsed = time.perf_counter() - start
con.close()
print(elapsed, result.inserted, result.rejected)
"""


def _measure(rows: int, tmp: Path) -> tuple[int, float, float, int, float]:
    from peninsula.events.synthetic import write_gdelt1

    path = write_gdelt1(tmp / f"gdelt1_{rows}.tsv", rows, seed=1)
    db = tmp / f"e_{rows}.duckdb"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(db), str(path)],
                          capture_output=True, text=True, check=True)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib <= before:
        print(f"warning: peak RSS of {rows} rows not above the previous child's", file=sys.stderr)
    elapsed, inserted, _rejected = proc.stdout.split()[-3:]
    size_mib = path.stat().st_size / 2**20
    path.unlink()
    return rows, size_mib, float(elapsed), int(inserted), peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 400_000])
    args = parser.parse_args()
    print(f"{'rows':>10} {'file MiB':>9} {'seconds':>8} {'rows/s':>10} {'peak RSS MiB':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        # sizes smallest first: RUSAGE_CHILDREN keeps the largest child's peak
        for rows in sorted(args.rows):
            n, size, elapsed, inserted, peak = _measure(rows, Path(tmp))
            assert inserted == n, (inserted, n)
            print(f"{n:>10,} {size:>9.1f} {elapsed:>8.2f} {n / elapsed:>10,.0f} {peak:>13.0f}")


if __name__ == "__main__":
    main()
