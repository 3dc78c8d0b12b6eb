"""Synthetic GDELT 1.0 daily-export files, for load benchmarks and transaction tests.

The rows follow the published 58-column layout with plausible values drawn from a seeded
generator; they are not real events and must not be analysed as such.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from peninsula.scenario.cameo import cameo_table

_ACTORS = ("PRK", "KOR", "CHN", "RUS", "USA", "JPN", "UKR", "PRKGOV", "KORMIL", "USAGOV")
_FIPS = ("KN", "KS", "CH", "RS", "US", "JA", "UP")


def write_gdelt1(path: str | Path, rows: int, seed: int = 0, first_id: int = 1) -> Path:
    """Write ``rows`` synthetic GDELT 1.0 rows (58 tab-separated columns) to ``path``."""
    rng = np.random.default_rng(seed)
    codes = [c for c in cameo_table() if len(c) >= 3]
    table = cameo_table()
    code_idx = rng.integers(0, len(codes), rows)
    a1 = rng.integers(0, len(_ACTORS), rows)
    a2 = rng.integers(0, len(_ACTORS), rows)
    geo = rng.integers(0, len(_FIPS), rows)
    day = rng.integers(0, 28, rows) + 1
    month = rng.integers(0, 12, rows) + 1
    mentions = rng.integers(1, 50, rows)
    tone = rng.normal(0, 3, rows)
    path = Path(path)
    empty7 = "\t" * 6
    with path.open("w", encoding="utf-8", newline="\n") as out:
        chunk: list[str] = []
        for i in range(rows):
            code = codes[code_idx[i]]
            info = table[code]
            actor1 = _ACTORS[a1[i]]
            actor2 = _ACTORS[a2[i]]
            date = f"2023{month[i]:02d}{day[i]:02d}"
            fips = _FIPS[geo[i]]
            fields = (
                f"{first_id + i}\t{date}\t{date[:6]}\t2023\t2023.{month[i]:02d}00\t"
                f"{actor1}\t{actor1}\t{actor1[:3]}\t{empty7}\t"
                f"{actor2}\t{actor2}\t{actor2[:3]}\t{empty7}\t"
                f"1\t{code}\t{code[:3]}\t{info.root_code}\t{info.quad_class}\t{info.goldstein}\t"
                f"{mentions[i]}\t1\t{mentions[i]}\t{tone[i]:.3f}\t"
                f"1\t{fips}\t{fips}\t{fips}\t0\t0\t0\t"
                f"1\t{fips}\t{fips}\t{fips}\t0\t0\t0\t"
                f"1\t{fips}\t{fips}\t{fips}\t0\t0\t0\t"
                f"{date}\thttps://example.org/news/{first_id + i}"
            )
            chunk.append(fields)
            if len(chunk) >= 100_000:
                out.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            out.write("\n".join(chunk) + "\n")
    return path
