"""Store an exploration in a DuckDB file, streamed batch by batch.

Tables (one file holds one exploration):

``exploration``
    one row: scenario, scenario hash, seed, sampler, sizes, package version, status, and the
    full specification as JSON.
``uncertainties``, ``levers``, ``policies``, ``actors``, ``outcome_defs``
    what the experiments vary and measure.
``experiments``
    one row per (sample, policy): ``experiment``, ``sample``, ``policy``, ``seed``, one typed
    column per uncertainty and one text column per lever (its option id) — the EMA Workbench
    experiments table.
``outcomes``
    per experiment and outcome: ``value`` (probability of a binary outcome, mean of a continuous
    one), ``hits`` (futures where a binary outcome occurred) and ``sd`` (standard deviation of a
    continuous outcome over futures).
``paths``
    per experiment and quarter: the mean over futures of the highest escalation rung.
``dyads``
    per experiment and ordered pair: relation and commitment at the start and, averaged over
    futures, at the horizon.

Rows are committed batch by batch, so memory stays flat whatever the size of the exploration;
``exploration.status`` is ``running`` until the last batch is in, then ``complete``.

Reading is here too: :func:`open_results` gives a finished file back as
:class:`ExplorationResults`, NumPy arrays aligned ``[policy, sample, ...]``, which every analysis
of an exploration starts from.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from peninsula.errors import UserError
from peninsula.store.database import transaction

FILE_NAME = "exploration.duckdb"

_FIXED_SCHEMA = """
CREATE TABLE exploration (
    scenario VARCHAR, scenario_sha256 VARCHAR, seed BIGINT, sampler VARCHAR,
    samples INTEGER, futures INTEGER, months INTEGER, policies INTEGER, experiments INTEGER,
    version VARCHAR, start_month VARCHAR, n_base INTEGER, calc_second_order BOOLEAN,
    status VARCHAR, created VARCHAR, elapsed_seconds DOUBLE, metadata JSON);
CREATE TABLE uncertainties (position SMALLINT, name VARCHAR, path VARCHAR,
    distribution VARCHAR, low DOUBLE, high DOUBLE, rationale VARCHAR);
CREATE TABLE levers (lever VARCHAR, position SMALLINT, label VARCHAR, actor VARCHAR,
    option VARCHAR, option_position SMALLINT, option_label VARCHAR, overrides JSON);
CREATE TABLE actors (position SMALLINT, code VARCHAR);
CREATE TABLE outcome_defs (position SMALLINT, outcome VARCHAR, label VARCHAR, kind VARCHAR);
CREATE TABLE outcomes (experiment INTEGER, outcome VARCHAR, value DOUBLE, hits INTEGER,
    sd DOUBLE);
CREATE TABLE paths (experiment INTEGER, quarter SMALLINT, mean_rung DOUBLE);
CREATE TABLE dyads (experiment INTEGER, source SMALLINT, target SMALLINT,
    relation_start DOUBLE, commitment_start DOUBLE, relation_end DOUBLE,
    commitment_end DOUBLE);
"""


def results_path(results: str | Path) -> Path:
    """The DuckDB file of an exploration: ``results`` itself, or ``exploration.duckdb`` in it."""
    path = Path(results)
    if path.is_dir():
        path = path / FILE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{results}: no exploration results here (expected a folder "
                                f"holding {FILE_NAME}, or the file itself)")
    return path


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, np.ndarray]) -> None:
    frame = dict(columns)  # DuckDB scans a dict of NumPy arrays by its Python name
    names = ", ".join(_quote(name) for name in frame)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM frame")


IDENTITY = ("scenario", "scenario_sha256", "exploration_sha256", "seed", "sampler", "samples",
            "futures", "months", "policies", "experiments", "version")
"""Header fields that must match for an interrupted exploration to be resumed."""


def _design_source(header: Mapping[str, Any]) -> tuple[Any, Any]:
    """Where a design's fitted columns came from: the fit folder's hash, or none."""
    fit = header.get("fit") or {}
    return fit.get("folder_sha256"), fit.get("draws")


class ResultsError(UserError):
    """Stored results cannot be read or do not allow the requested analysis."""


class ExplorationLocked(ResultsError):
    """Another process is writing to the exploration file."""


class ExplorationDamaged(ResultsError):
    """An exploration file cannot be read: truncated, overwritten or not a DuckDB file."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or _first_line(exc)


def damaged(path: Path, exc: BaseException, *, resume: bool = False) -> ExplorationDamaged:
    """The one-line error for a damaged exploration file, saying what can be recovered."""
    what = ("nothing in it can be resumed: delete it and run the exploration again" if resume
            else "its results cannot be recovered: run the exploration again")
    return ExplorationDamaged(f"{path.name} is damaged ({_first_line(exc)}) in {path.parent}; "
                              f"{what}")


def _is_lock(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def discard_if_empty(path: Path) -> None:
    """Delete an exploration file (and its WAL) that holds no experiment, or is unreadable.

    Called when a new exploration fails: a file that holds nothing must not block a rerun.
    """
    path = Path(path)
    if not path.exists():
        return
    try:
        con = duckdb.connect(str(path))
        try:
            rows = con.execute("SELECT count(*) FROM experiments").fetchone()[0]
        finally:
            con.close()
    except duckdb.Error as exc:
        if _is_lock(exc):
            return
        rows = 0
    if rows == 0:
        for stale in (path, path.with_name(path.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise ExplorationLocked(f"{path} is being written by another process; wait for it "
                                    "or choose another --out folder") from None
        raise damaged(path, exc, resume=True) from None


def _read_every_table(con: duckdb.DuckDBPyConnection) -> None:
    """Stream every row of every table: a truncated or overwritten file fails here.

    A damaged file can keep a readable header and first tables, so reading only those (or
    counting rows, which DuckDB answers from metadata) would call it complete.
    """
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
    ).fetchall()]
    for table in tables:
        con.execute(f'SELECT * FROM "{table}"')
        while con.fetchmany(50_000):
            pass


def finished_samples(path: Path, header: Mapping[str, Any]) -> set[int]:
    """Samples already stored in an interrupted exploration, after checking it is the same one.

    Batches are committed whole, so every stored sample has all its policies.
    """
    con = _connect(path)
    try:
        row = con.execute("SELECT status, metadata FROM exploration").fetchone()
        if row is None:
            raise ValueError("no header row")
        status, stored = row
        meta = json.loads(stored)
        done = {int(r[0]) for r in
                con.execute("SELECT DISTINCT sample FROM experiments").fetchall()}
        if status == "complete":  # before saying so, make sure every table still reads
            _read_every_table(con)
    except (duckdb.Error, ValueError, TypeError) as exc:
        raise damaged(path, exc, resume=True) from None
    finally:
        con.close()
    different = [f for f in IDENTITY if meta.get(f) != header.get(f)]
    if _design_source(meta) != _design_source(header):
        different.append("fit (where the fitted uncertainties were drawn from: --prior, "
                         "--from-fit or the scenario's own fit)")
    if different:
        raise ResultsError(f"{path} holds another exploration (different "
                           f"{', '.join(different)}); resume only with the same scenario, seed, "
                           "sampler and sizes")
    if status == "complete":
        raise ResultsError(f"{path} is already complete; nothing to resume")
    return done


class ExplorationWriter:
    """Create an exploration file and append experiments to it in batches.

    Use as a context manager: the file is closed on exit, and ``finish`` marks it complete.
    With ``resume=True`` an interrupted file is reopened and appended to instead.
    """

    def __init__(self, path: Path, header: Mapping[str, Any], *,
                 uncertainties: Sequence[Mapping[str, Any]],
                 integer_columns: Sequence[str],
                 levers: Sequence[Mapping[str, Any]],
                 policies: Sequence[Mapping[str, str]],
                 actors: Sequence[str],
                 outcomes: Sequence[Mapping[str, str]],
                 resume: bool = False):
        self.path = path
        self.names = [u["name"] for u in uncertainties]
        self.lever_ids = [lever["id"] for lever in levers]
        if resume and path.exists():
            self.con = _connect(path)
            return
        if path.exists():
            raise FileExistsError(f"{path} already exists; choose another output folder, or "
                                  "add --resume to finish an interrupted exploration")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.con = _connect(path)
            with transaction(self.con) as con:
                self._create(con, header, uncertainties, integer_columns, levers, policies,
                             actors, outcomes)
        except (duckdb.Error, OSError, UserError) as exc:
            if isinstance(exc, UserError):
                raise
            if hasattr(self, "con"):
                with contextlib.suppress(duckdb.Error):
                    self.con.close()
            raise ResultsError(f"cannot write {path} ({_reason(exc)}); nothing was "
                               "written") from None

    def _create(self, con: duckdb.DuckDBPyConnection, header: Mapping[str, Any],
                uncertainties: Sequence[Mapping[str, Any]], integer_columns: Sequence[str],
                levers: Sequence[Mapping[str, Any]], policies: Sequence[Mapping[str, str]],
                actors: Sequence[str], outcomes: Sequence[Mapping[str, str]]) -> None:
        """Create the tables and write what the experiments vary and measure."""
        con.execute(_FIXED_SCHEMA)
        typed = [f"{_quote(n)} {'BIGINT' if n in integer_columns else 'DOUBLE'}"
                 for n in self.names]
        lever_cols = [f"{_quote(i)} VARCHAR" for i in self.lever_ids]
        con.execute("CREATE TABLE experiments (experiment INTEGER, sample INTEGER, "
                    "policy INTEGER, seed BIGINT" + "".join(", " + c for c in typed + lever_cols)
                    + ")")
        con.execute("CREATE TABLE policies (policy INTEGER, label VARCHAR"
                    + "".join(", " + c for c in lever_cols) + ")")
        fields = ("scenario", "scenario_sha256", "seed", "sampler", "samples", "futures",
                  "months", "policies", "experiments", "version", "start_month", "n_base",
                  "calc_second_order")
        con.execute(f"INSERT INTO exploration ({', '.join(fields)}, status, created, metadata) "
                    f"VALUES ({', '.join('?' * len(fields))}, 'running', ?, ?)",
                    [header[f] for f in fields] + [header.get("created", ""),
                                                   json.dumps(header, default=str)])
        con.executemany("INSERT INTO uncertainties VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [[i, u["name"], u["path"], u["distribution"], u["low"], u["high"],
                          u["rationale"]] for i, u in enumerate(uncertainties)])
        lever_rows = [[lever["id"], i, lever["label"], lever["actor"], option["id"], j,
                       option.get("label") or option["id"], json.dumps(option["overrides"])]
                      for i, lever in enumerate(levers)
                      for j, option in enumerate(lever["options"])]
        if lever_rows:
            con.executemany("INSERT INTO levers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", lever_rows)
        con.executemany(
            f"INSERT INTO policies VALUES ({', '.join('?' * (2 + len(self.lever_ids)))})",
            [[p, ", ".join(f"{k}={v}" for k, v in policy.items()) or "as written",
              *[policy[i] for i in self.lever_ids]] for p, policy in enumerate(policies)])
        con.executemany("INSERT INTO actors VALUES (?, ?)", list(enumerate(actors)))
        con.executemany("INSERT INTO outcome_defs VALUES (?, ?, ?, ?)",
                        [[i, o["id"], o["label"], o["kind"]] for i, o in enumerate(outcomes)])

    def append(self, experiments: Mapping[str, np.ndarray], outcomes: Mapping[str, np.ndarray],
               paths: Mapping[str, np.ndarray], dyads: Mapping[str, np.ndarray]) -> None:
        """Append one batch of experiments (plain column arrays) in one transaction."""
        try:
            with transaction(self.con) as con:
                _insert(con, "experiments", experiments)
                _insert(con, "outcomes", outcomes)
                _insert(con, "paths", paths)
                _insert(con, "dyads", dyads)
        except (duckdb.Error, OSError) as exc:
            if isinstance(exc, duckdb.InterruptException):
                raise KeyboardInterrupt from None
            raise ResultsError(f"cannot write to {self.path} ({_reason(exc)}); the batches "
                               "written before are kept: free space and run the same command "
                               "with --resume") from None

    def finish(self, elapsed_seconds: float) -> None:
        """Mark the exploration complete."""
        try:
            self.con.execute("UPDATE exploration SET status = 'complete', elapsed_seconds = ?",
                             [float(elapsed_seconds)])
        except (duckdb.Error, OSError) as exc:
            raise ResultsError(f"cannot write to {self.path} ({_reason(exc)}); every batch is "
                               "kept: free space and run the same command with --resume"
                               ) from None

    def close(self) -> None:
        """Close the file."""
        self.con.close()

    def __enter__(self) -> ExplorationWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ExplorationResults:
    """A stored exploration, as arrays aligned ``[policy, sample, ...]``.

    Attributes
    ----------
    path : Path
        The DuckDB file.
    metadata : dict
        Scenario, hashes, seed, sampler, sizes, version and the full specification.
    uncertainties : list of dict
        ``name``, ``path``, ``distribution``, ``low``, ``high``, ``rationale``, in column order.
    levers : list of dict
        ``id``, ``label``, ``actor`` and ``options`` (``id``, ``label``) of each lever.
    policies : list of dict
        ``label`` and ``options`` (lever id → option id) of each policy.
    actors : list of str
        Actor codes in array order.
    outcomes : list of dict
        ``id``, ``label`` and ``kind`` (``binary`` or ``continuous``) of each outcome.
    samples : numpy.ndarray
        Parameter values, shape ``(S, d)``, in sample order.
    seeds : numpy.ndarray
        Engine seed of each sample, shape ``(S,)``.
    value : numpy.ndarray
        Probability (binary) or mean (continuous) per experiment, shape ``(P, S, O)``.
    hits : numpy.ndarray
        Futures in which each binary outcome occurred, shape ``(P, S, O)``.
    rung : numpy.ndarray
        Mean highest escalation rung per quarter, shape ``(P, S, Q)``.
    dyads : dict of numpy.ndarray
        ``relation_start``, ``commitment_start``, ``relation_end``, ``commitment_end``, each
        averaged over samples, shape ``(P, A, A)``.

    """

    path: Path
    metadata: dict[str, Any]
    uncertainties: list[dict[str, Any]]
    levers: list[dict[str, Any]]
    policies: list[dict[str, Any]]
    actors: list[str]
    outcomes: list[dict[str, str]]
    samples: np.ndarray
    seeds: np.ndarray
    value: np.ndarray
    hits: np.ndarray
    rung: np.ndarray
    dyads: dict[str, np.ndarray]

    @property
    def names(self) -> list[str]:
        """Uncertainty names, in column order."""
        return [u["name"] for u in self.uncertainties]

    @property
    def futures(self) -> int:
        """Futures per experiment."""
        return int(self.metadata["futures"])

    @property
    def policy_labels(self) -> list[str]:
        """One label per policy: ``china_answer=mediate, us_posture=deter``."""
        return [p["label"] for p in self.policies]

    @property
    def policy_short(self) -> list[str]:
        """One short label per policy: its option ids in lever order, ``mediate / deter``."""
        return [" / ".join(p["options"].values()) or p["label"] for p in self.policies]

    @property
    def lever_order(self) -> str:
        """What the parts of a short policy label are: ``China's answer / US posture``."""
        return " / ".join(lever["label"] for lever in self.levers) or "policy"

    @property
    def default_outcome(self) -> str:
        """The scenario's default outcome when it recorded one, else the first outcome."""
        ids = [o["id"] for o in self.outcomes]
        chosen = self.metadata.get("default_outcome")
        return chosen if chosen in ids else ids[0]

    def outcome_index(self, outcome: str) -> int:
        """Position of ``outcome``; a clear error for an unknown id."""
        ids = [o["id"] for o in self.outcomes]
        if outcome not in ids:
            raise ResultsError(f"unknown outcome {outcome!r}; expected one of {', '.join(ids)}")
        return ids.index(outcome)

    def policy_index(self, policy: str | None) -> int | None:
        """Position of a policy given by its label or by option ids (``mediate,deter``)."""
        if policy is None:
            return None
        wanted = [part.strip() for part in policy.replace("+", ",").split(",") if part.strip()]
        for i, p in enumerate(self.policies):
            if policy == p["label"]:
                return i
            options = [v for v in p["options"].values()]
            pairs = [f"{k}={v}" for k, v in p["options"].items()]
            if sorted(wanted) in (sorted(options), sorted(pairs)):
                return i
        raise ResultsError(f"unknown policy {policy!r}; expected one of: "
                           + "; ".join(self.policy_labels))


def open_results(results: str | Path) -> ExplorationResults:
    """Read an exploration folder (or its ``exploration.duckdb``) into arrays."""
    try:
        path = results_path(results)
    except FileNotFoundError as exc:
        raise ResultsError(str(exc)) from None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if _is_lock(exc):
            raise ResultsError(f"{path} is being written by another process; wait for it to "
                               "finish") from None
        raise damaged(path, exc) from None
    try:
        return _read(con, path)
    except duckdb.CatalogException as exc:
        raise ResultsError(f"{path}: not an exploration results file "
                           f"({_first_line(exc)})") from None
    except (duckdb.Error, ValueError, TypeError, KeyError, IndexError) as exc:
        if isinstance(exc, UserError):
            raise
        raise damaged(path, exc) from None
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()


def _read(con: duckdb.DuckDBPyConnection, path: Path) -> ExplorationResults:
    row = con.execute("SELECT status, metadata, elapsed_seconds FROM exploration").fetchone()
    if row is None:
        raise ResultsError(f"{path}: the exploration table is empty")
    status, meta_json, elapsed = row
    metadata = json.loads(meta_json)
    metadata["elapsed_seconds"] = elapsed
    if status != "complete":
        raise ResultsError(f"{path}: the exploration did not finish (status {status!r}); "
                           "run it again")
    uncertainties = [
        dict(zip(("name", "path", "distribution", "low", "high", "rationale"), r, strict=True))
        for r in con.execute("SELECT name, path, distribution, low, high, rationale "
                             "FROM uncertainties ORDER BY position").fetchall()]
    levers: list[dict[str, Any]] = []
    for lever, label, actor, option, option_label in con.execute(
            "SELECT lever, label, actor, option, option_label FROM levers "
            "ORDER BY position, option_position").fetchall():
        if not levers or levers[-1]["id"] != lever:
            levers.append({"id": lever, "label": label, "actor": actor, "options": []})
        levers[-1]["options"].append({"id": option, "label": option_label})
    lever_ids = [lever["id"] for lever in levers]
    select = ", ".join(['"' + i + '"' for i in lever_ids])
    policies = []
    for r in con.execute(f"SELECT policy, label{', ' + select if select else ''} FROM policies "
                         "ORDER BY policy").fetchall():
        policies.append({"label": r[1], "options": dict(zip(lever_ids, r[2:], strict=True))})
    actors = [r[0] for r in con.execute("SELECT code FROM actors ORDER BY position").fetchall()]
    outcomes = [dict(zip(("id", "label", "kind"), r, strict=True)) for r in con.execute(
        "SELECT outcome, label, kind FROM outcome_defs ORDER BY position").fetchall()]
    n_p, n_o = len(policies), len(outcomes)
    n_s = int(metadata["samples"])
    names = [u["name"] for u in uncertainties]
    cols = ", ".join('"' + n + '"' for n in names)
    exp = con.execute(f"SELECT sample, seed, {cols} FROM experiments WHERE policy = 0 "
                      "ORDER BY sample").fetchnumpy()
    if len(exp["sample"]) != n_s:
        raise ResultsError(f"{path}: expected {n_s} samples, found {len(exp['sample'])}")
    samples = np.column_stack([np.asarray(exp[n], dtype=np.float64) for n in names])
    seeds = np.asarray(exp["seed"], dtype=np.int64)
    out = con.execute("SELECT o.experiment, d.position, o.value, o.hits FROM outcomes o "
                      "JOIN outcome_defs d ON d.outcome = o.outcome "
                      "ORDER BY o.experiment, d.position").fetchnumpy()
    expected = n_p * n_s * n_o
    if len(out["value"]) != expected:
        raise ResultsError(f"{path}: expected {expected} outcome rows, found {len(out['value'])}")
    # experiment = sample * P + policy: reshape (S, P, O) then put policies first
    value = np.asarray(out["value"], dtype=np.float64).reshape(n_s, n_p, n_o).transpose(1, 0, 2)
    hits = np.asarray(out["hits"], dtype=np.int64).reshape(n_s, n_p, n_o).transpose(1, 0, 2)
    paths = con.execute("SELECT mean_rung FROM paths ORDER BY experiment, quarter").fetchnumpy()
    rung = np.asarray(paths["mean_rung"], dtype=np.float64)
    n_q = rung.size // (n_p * n_s)
    rung = rung.reshape(n_s, n_p, n_q).transpose(1, 0, 2)
    n_a = len(actors)
    dyads: dict[str, np.ndarray] = {}
    frame = con.execute(
        "SELECT e.policy, d.source, d.target, avg(d.relation_start) AS relation_start, "
        "avg(d.commitment_start) AS commitment_start, avg(d.relation_end) AS relation_end, "
        "avg(d.commitment_end) AS commitment_end FROM dyads d "
        "JOIN experiments e ON e.experiment = d.experiment "
        "GROUP BY ALL ORDER BY ALL").fetchnumpy()
    p_idx, s_idx, t_idx = (np.asarray(frame[k], dtype=np.int64)
                           for k in ("policy", "source", "target"))
    for key in ("relation_start", "commitment_start", "relation_end", "commitment_end"):
        arr = np.zeros((n_p, n_a, n_a))
        arr[p_idx, s_idx, t_idx] = np.asarray(frame[key], dtype=np.float64)
        dyads[key] = arr
    return ExplorationResults(path=path, metadata=metadata, uncertainties=uncertainties,
                              levers=levers, policies=policies, actors=actors,
                              outcomes=outcomes, samples=samples, seeds=seeds, value=value,
                              hits=hits, rung=rung, dyads=dyads)
