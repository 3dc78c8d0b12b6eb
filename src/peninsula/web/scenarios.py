"""Which scenarios the app offers and what a run form can set for each.

Three sources: the built-in scenarios, the YAML files of ``--scenarios DIR`` and files uploaded
through the app (kept in the data folder once they pass validation). A scenario is named in a
URL by its source and a plain file name, never by a path, and loaded by the library's own safe
loader (:func:`peninsula.load_scenario`). Claims, uncertainties and levers are read from the
loaded objects as they come, so the pages follow whatever the scenario model declares.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peninsula as pn
from peninsula.errors import UserError
from peninsula.scenario.loading import MAX_FILE_BYTES
from peninsula.web.config import WebConfig
from peninsula.web.security import BadName, check_name, confine

__all__ = ["SOURCES", "Choices", "ScenarioEntry", "Scenarios", "UploadRejected"]

SOURCES = ("builtin", "folder", "upload")
SUFFIXES = (".yaml", ".yml")


class UnknownScenario(UserError):
    """No scenario by that name in that source."""

    status = 404


class UploadRejected(UserError):
    """An uploaded scenario that the loader refused; ``text`` is what was uploaded."""

    status = 400

    def __init__(self, message: str, *, name: str = "", text: str = "",
                 problems: list[Any] | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.text = text
        if problems is not None:
            self.problems = problems


@dataclass(frozen=True)
class ScenarioEntry:
    """One scenario on offer: where it comes from, and either its model or its problems."""

    source: str
    name: str
    ref: str
    loaded: pn.LoadedScenario | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """``source/name``, as used in URLs."""
        return f"{self.source}/{self.name}"


@dataclass(frozen=True)
class Choices:
    """What a run form offers for a scenario: claims, uncertain parameters and levers."""

    claims: list[Any]
    uncertainties: list[Any]
    levers: list[Any]
    note: str | None = None


class Scenarios:
    """Find, load (cached by file time) and accept uploads of scenarios."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self._cache: dict[str, tuple[float, ScenarioEntry]] = {}
        self._choices: dict[str, tuple[float, Choices]] = {}

    # ------------------------------------------------------------------ listing

    def _files(self, folder: Path | None) -> list[str]:
        if folder is None or not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir()
                      if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith("."))

    def entries(self) -> list[ScenarioEntry]:
        """Every scenario on offer, valid or not, built-ins first."""
        names = [("builtin", n) for n in pn.builtin_scenarios()]
        names += [("folder", n) for n in self._files(self.config.scenarios)]
        names += [("upload", n) for n in self._files(self.config.uploads_dir)]
        return [self.get(source, name) for source, name in names]

    def _path(self, source: str, name: str) -> str:
        if source not in SOURCES:
            raise UnknownScenario(f"unknown scenario source {source!r}; expected one of "
                                  f"{', '.join(SOURCES)}")
        check_name(name, "scenario name")
        if source == "builtin":
            if name not in pn.builtin_scenarios():
                raise UnknownScenario(f"no built-in scenario {name!r}; the built-ins are "
                                      f"{', '.join(pn.builtin_scenarios())}")
            return name
        root = self.config.scenarios if source == "folder" else self.config.uploads_dir
        if root is None:
            raise UnknownScenario("no scenario folder was given (peninsula serve --scenarios)")
        path = confine(root, name, "scenario name")
        if path.suffix not in SUFFIXES or not path.is_file():
            raise UnknownScenario(f"no scenario file {name!r} in {root.name}/")
        return str(path)

    def get(self, source: str, name: str) -> ScenarioEntry:
        """The scenario ``source/name`` (its problems listed when it does not load)."""
        ref = self._path(source, name)
        stamp = 0.0 if source == "builtin" else Path(ref).stat().st_mtime
        cached = self._cache.get(ref)
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            entry = ScenarioEntry(source, name, ref, loaded=pn.load_scenario(ref))
        except pn.ScenarioError as exc:
            entry = ScenarioEntry(source, name, ref, problems=[str(p) for p in exc.problems])
        except Exception as exc:  # noqa: BLE001 - a library bug must not hide the other pages
            entry = ScenarioEntry(source, name, ref, problems=[
                f"the scenario could not be loaded ({type(exc).__name__}: {exc})"])
        self._cache[ref] = (stamp, entry)
        return entry

    def loaded(self, source: str, name: str) -> ScenarioEntry:
        """Like :meth:`get`, but a scenario with problems is a user error."""
        entry = self.get(source, name)
        if entry.loaded is None:
            raise UserError(f"scenario {entry.key} does not load:\n" + "\n".join(entry.problems))
        return entry

    def choices(self, entry: ScenarioEntry) -> Choices:
        """Claims, uncertainties and levers of a loaded scenario."""
        cached = self._choices.get(entry.ref)
        sha = entry.loaded.sha256
        if cached and cached[0] == sha:
            return cached[1]
        claims = list(entry.loaded.scenario.claims)
        try:
            spec = pn.plan(entry.loaded, samples=2, futures=1, months=1).spec
            choices = Choices(claims, list(spec.uncertainties), list(spec.levers))
        except UserError as exc:
            choices = Choices(claims, [], [], note="uncertainties and levers not available: "
                              + "; ".join(str(p) for p in exc.problems))
        self._choices[entry.ref] = (sha, choices)
        return choices

    # ------------------------------------------------------------------ uploads

    def accept_upload(self, filename: str, data: bytes) -> ScenarioEntry:
        """Validate an uploaded scenario and keep it; :class:`UploadRejected` lists problems."""
        name = Path(filename or "").name
        try:
            check_name(name, "file name")
        except BadName as exc:
            raise UploadRejected(str(exc), name=name) from None
        if Path(name).suffix not in SUFFIXES:
            raise UploadRejected(f"{name}: a scenario file must end in .yaml or .yml", name=name)
        if len(data) > MAX_FILE_BYTES:
            raise UploadRejected(f"{name}: the file is {len(data) / 1e6:.1f} MB; a scenario "
                                 f"must be under {MAX_FILE_BYTES // (1024 * 1024)} MB", name=name)
        text = data.decode("utf-8", errors="replace")
        pending = Path(tempfile.mkdtemp(prefix=".pending-", dir=self.config.uploads_dir))
        try:
            path = pending / name
            path.write_bytes(data)
            try:
                pn.load_scenario(str(path))
            except pn.ScenarioError as exc:
                raise UploadRejected(f"{name} has {len(exc.problems)} problem(s)", name=name,
                                     text=text, problems=list(exc.problems)) from None
            target = self._free_name(name)
            shutil.move(str(path), target)
        finally:
            shutil.rmtree(pending, ignore_errors=True)
        return self.get("upload", target.name)

    def _free_name(self, name: str) -> Path:
        stem, suffix = Path(name).stem, Path(name).suffix
        target = self.config.uploads_dir / name
        n = 2
        while target.exists():
            target = self.config.uploads_dir / f"{stem}-{n}{suffix}"
            n += 1
        return target
