"""Build ``src/peninsula/events/data/petrarch2.json.gz`` from the PETRARCH-2 dictionaries.

Reads the MIT-licensed PETRARCH-2 / Phoenix dictionaries (``CAMEO.2.0.txt`` with its verb
transformations, ``Phoenix.{Countries,International,MilNonState}.actors.txt``,
``Phoenix.agents.txt``, ``Phoenix.discards.txt``) with the readers of
``peninsula.events.petrarch`` and writes them in one compact gzip'd JSON that the news coder
loads; copies the licence beside it.

Run: python tools/build_coder_data.py [--source ../shared/data/petrarch2]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
from pathlib import Path

from peninsula.events.petrarch import (
    read_actor_dictionary,
    read_agent_dictionary,
    read_discard_list,
    read_verb_dictionary,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "peninsula" / "events" / "data"
ACTOR_FILES = ("Phoenix.Countries.actors.txt", "Phoenix.International.actors.txt",
               "Phoenix.MilNonState.actors.txt")


def build(source: Path) -> dict[str, object]:
    """The compact dictionary document (verbs, synsets, actors, agents, provenance)."""
    verbs = read_verb_dictionary(source / "CAMEO.2.0.txt")
    skipped: list[str] = []
    actors = []
    for name in ACTOR_FILES:
        for entry in read_actor_dictionary(source / name, skipped):
            actors.append([entry.phrase, entry.code,
                           entry.date_from.isoformat() if entry.date_from else "",
                           entry.date_to.isoformat() if entry.date_to else ""])
    agents = read_agent_dictionary(source / "Phoenix.agents.txt", skipped)
    blocks = [{"name": b.name, "code": b.code, "verbs": b.verbs,
               "patterns": [[[list(g) for g in p.pre], [list(g) for g in p.post], p.code]
                            for p in b.patterns]} for b in verbs.blocks]
    transformations = [[t.outer, t.inner, t.inner_source, t.inner_target, t.source, t.target,
                        t.code] for t in verbs.transformations]
    discards = [[phrase, story] for phrase, story in
                read_discard_list(source / "Phoenix.discards.txt")]
    files = ["CAMEO.2.0.txt", *ACTOR_FILES, "Phoenix.agents.txt", "Phoenix.discards.txt"]
    return {
        "provenance": {
            "source": "openeventdata/petrarch2 @ 676801cd9cb2924bbbad09f86d15c9323e7097bf : "
                      "petrarch2/data/dictionaries/",
            "licence": "MIT (LICENSE-petrarch2.txt)",
            "sha256": {f: hashlib.sha256((source / f).read_bytes()).hexdigest() for f in files},
            "skipped_lines": skipped,
        },
        "synsets": {k: list(v) for k, v in verbs.synsets.items()},
        "blocks": blocks, "actors": actors, "agents": agents,
        "transformations": transformations, "discards": discards,
    }


def main() -> None:
    """Build the package data from the dictionaries in ``--source``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path,
                        default=ROOT.parent / "shared" / "data" / "petrarch2")
    args = parser.parse_args()
    document = build(args.source)
    OUT.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    with gzip.GzipFile(OUT / "petrarch2.json.gz", "wb", mtime=0) as handle:
        handle.write(payload)
    shutil.copyfile(args.source / "LICENSE", OUT / "LICENSE-petrarch2.txt")
    print(f"wrote {OUT / 'petrarch2.json.gz'}: {len(document['actors'])} actor phrases, "
          f"{len(document['agents'])} agents, {len(document['blocks'])} verb blocks, "
          f"{len(document['transformations'])} transformations, "
          f"{len(document['discards'])} discards; "
          f"{len(document['provenance']['skipped_lines'])} malformed lines skipped")


if __name__ == "__main__":
    main()
