"""The app's pages and its small JSON API: parse the request, call the library, render.

Pages: scenarios (list, detail, upload), the run form and its jobs (progress, results,
downloads, cancel), compare, counterfactual, explore, and the history kept in the catalogue.
``/api/runs`` and ``/api/jobs/{id}`` serve scripts and the load test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

import peninsula as pn
from peninsula.errors import UserError
from peninsula.web.catalogue import Job
from peninsula.web.forms import counterfactual_params, explore_params, run_params
from peninsula.web.scenarios import ScenarioEntry
from peninsula.web.security import check_name, confine
from peninsula.web.views import (
    DOWNLOADS,
    compare_view,
    counterfactual_view,
    exploration_view,
    run_view,
)

__all__ = ["router"]

router = APIRouter()

MAX_UPLOAD = 6 * 1024 * 1024
"""Largest upload request read (a scenario must be under 5 MB; the rest is form overhead)."""


class UploadTooLarge(UserError):
    """An upload request above :data:`MAX_UPLOAD`."""

    status = 413


class NoSuchJob(UserError):
    """A job id that the catalogue does not know."""

    status = 404


def page(request: Request, name: str, context: dict[str, Any], status: int = 200
         ) -> HTMLResponse:
    """Render template ``name`` with the app's settings available to every page."""
    state = request.app.state
    running, waiting = state.jobs.counts()
    base = {"catalogue_path": str(state.config.catalogue_path), "running": running,
            "waiting": waiting, "workers": state.config.workers}
    return state.templates.TemplateResponse(request, name, {**base, **context},
                                            status_code=status)


def _job(request: Request, job_id: str) -> Job:
    check_name(job_id, "job id")
    job = request.app.state.catalogue.get(job_id)
    if job is None:
        raise NoSuchJob(f"no job {job_id!r} in the catalogue")
    confine(request.app.state.config.runs_dir, Path(job.folder).name, "job folder")
    return job


def _scenario(request: Request, source: str, name: str) -> ScenarioEntry:
    return request.app.state.scenarios.loaded(source, name)


# --------------------------------------------------------------------------- scenarios


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """Scenarios on offer and the latest jobs."""
    return page(request, "home.html", {
        "entries": request.app.state.scenarios.entries(),
        "jobs": request.app.state.catalogue.list(limit=10)})


@router.get("/scenarios/{source}/{name}", response_class=HTMLResponse)
def scenario_page(request: Request, source: str, name: str) -> HTMLResponse:
    """Actors, dyads, actions, events and claims (with their source quotes) of a scenario."""
    entry = request.app.state.scenarios.get(source, name)
    choices = request.app.state.scenarios.choices(entry) if entry.loaded else None
    return page(request, "scenario.html", {"entry": entry, "choices": choices})


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request) -> HTMLResponse:
    """The upload form."""
    return page(request, "upload.html", {"rejected": None})


@router.post("/upload")
async def upload(request: Request) -> RedirectResponse:
    """Validate an uploaded scenario with the library's loader and keep it when valid."""
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD:
        raise UploadTooLarge(f"file: the upload is over {MAX_UPLOAD // (1024 * 1024)} MB; a "
                             "scenario must be under 5 MB")
    form = await request.form()
    file = form.get("file")
    if file is None or not hasattr(file, "read"):
        raise UserError("file: choose a scenario file (.yaml) to upload")
    data = await file.read(MAX_UPLOAD)
    entry = request.app.state.scenarios.accept_upload(file.filename or "", data)
    return RedirectResponse(f"/scenarios/{entry.key}", status_code=303)


# --------------------------------------------------------------------------- submitting


def _submit(request: Request, entry: ScenarioEntry, kind: str, params: dict[str, Any]) -> str:
    return request.app.state.jobs.submit(
        kind, scenario=entry.loaded.scenario.name, scenario_ref=entry.ref,
        scenario_sha256=entry.loaded.sha256, seed=params["seed"], params=params)


@router.post("/scenarios/{source}/{name}/run")
async def submit_run(request: Request, source: str, name: str) -> RedirectResponse:
    """Start a run from the run form."""
    entry = _scenario(request, source, name)
    params = run_params(await request.form(), request.app.state.scenarios.choices(entry))
    return RedirectResponse(f"/jobs/{_submit(request, entry, 'run', params)}", status_code=303)


@router.post("/scenarios/{source}/{name}/counterfactual")
async def submit_counterfactual(request: Request, source: str, name: str) -> RedirectResponse:
    """Start a counterfactual (claims switched off on the same draws)."""
    entry = _scenario(request, source, name)
    params = counterfactual_params(await request.form(),
                                   request.app.state.scenarios.choices(entry))
    job_id = _submit(request, entry, "counterfactual", params)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/scenarios/{source}/{name}/explore")
async def submit_exploration(request: Request, source: str, name: str) -> RedirectResponse:
    """Start an exploration of every policy over sampled assumptions."""
    entry = _scenario(request, source, name)
    job_id = _submit(request, entry, "exploration", explore_params(await request.form()))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/api/runs")
async def api_submit_run(request: Request) -> JSONResponse:
    """Start a run (form fields as the run form, plus ``scenario``: ``source/name``)."""
    form = await request.form()
    source, _, name = str(form.get("scenario", "builtin/korea-2024")).partition("/")
    entry = _scenario(request, source, name)
    params = run_params(form, request.app.state.scenarios.choices(entry))
    job_id = _submit(request, entry, "run", params)
    return JSONResponse({"id": job_id, "url": f"/jobs/{job_id}"}, status_code=202)


# --------------------------------------------------------------------------- jobs


def _status(request: Request, job: Job) -> dict[str, Any]:
    progress = request.app.state.jobs.progress.get(job.id)
    return {"id": job.id, "kind": job.kind, "status": job.status, "message": job.message,
            "done": progress.done if progress else 0,
            "total": progress.total if progress else 0,
            "fraction": progress.fraction if progress else (1.0 if job.status == "done"
                                                            else 0.0)}


@router.get("/api/jobs/{job_id}")
def api_job(request: Request, job_id: str) -> JSONResponse:
    """A job's status and progress."""
    return JSONResponse(_status(request, _job(request, job_id)))


@router.get("/jobs", response_class=HTMLResponse)
def history(request: Request) -> HTMLResponse:
    """Every job in the catalogue, newest first."""
    return page(request, "history.html", {"jobs": request.app.state.catalogue.list()})


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, outcome: str | None = None) -> HTMLResponse:
    """Progress while a job runs; its results once done."""
    job = _job(request, job_id)
    context: dict[str, Any] = {"job": job, "status": _status(request, job)}
    if job.status != "done":
        return page(request, "job.html", context)
    if job.kind == "run":
        return page(request, "run.html", {**context, **run_view(job)})
    if job.kind == "counterfactual":
        return page(request, "counterfactual.html", {**context, **counterfactual_view(job)})
    if outcome is not None:
        check_name(outcome, "outcome")
    view = exploration_view(job, outcome)
    name = "exploration_part.html" if request.headers.get("hx-request") else "exploration.html"
    return page(request, name, {**context, **view})


@router.get("/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(request: Request, job_id: str) -> HTMLResponse:
    """The progress bar (htmx polls it); redirects the page when the job is done."""
    job = _job(request, job_id)
    response = page(request, "progress.html", {"job": job, "status": _status(request, job)})
    if job.status == "done":
        response.headers["HX-Redirect"] = f"/jobs/{job.id}"
    return response


@router.post("/jobs/{job_id}/cancel")
def cancel(request: Request, job_id: str) -> RedirectResponse:
    """Cancel a waiting or running job."""
    job = _job(request, job_id)
    request.app.state.jobs.cancel(job.id)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}/files/{name}")
def download(request: Request, job_id: str, name: str) -> FileResponse:
    """One of a finished job's result files (only the files listed for its kind)."""
    job = _job(request, job_id)
    check_name(name, "file name")
    allowed = {Path(n).name: n for n in DOWNLOADS.get(job.kind, ())}
    if name not in allowed:
        raise NoSuchJob(f"{name!r} is not a file of this {job.kind}; available: "
                        f"{', '.join(allowed)}")
    data = request.app.state.config.data
    path = (Path(job.folder) / allowed[name]).resolve()
    if not path.is_relative_to(data) or not path.is_file():
        raise NoSuchJob(f"{name} is not available for job {job.id}")
    return FileResponse(path, filename=f"{job.id}-{name}")


@router.get("/explorations", response_class=HTMLResponse)
def explorations(request: Request) -> HTMLResponse:
    """Explorations in the catalogue, and folders on disk that can be reopened."""
    config = request.app.state.config
    folders = sorted(p.name for p in config.explorations_dir.iterdir()
                     if p.is_dir() and (p / "exploration.duckdb").is_file()
                     and not p.name.startswith("."))
    return page(request, "explorations.html", {
        "folders": folders, "folder_root": str(config.explorations_dir),
        "jobs": request.app.state.catalogue.list(kind="exploration")})


@router.post("/explorations/open")
async def reopen_exploration(request: Request) -> RedirectResponse:
    """Open an exploration folder of ``<data>/explorations/`` and catalogue it."""
    form = await request.form()
    config = request.app.state.config
    folder = confine(config.explorations_dir, str(form.get("folder", "")), "exploration folder")
    if not (folder / "exploration.duckdb").is_file():
        raise NoSuchJob(f"no exploration.duckdb in explorations/{folder.name}/")
    metadata = pn.open_exploration(folder).metadata
    job_id = request.app.state.jobs.register_exploration(folder, metadata)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, a: str | None = None, b: str | None = None) -> HTMLResponse:
    """Pick two stored runs; show them side by side with paired differences."""
    runs = request.app.state.catalogue.list(kind="run", status="done")
    context: dict[str, Any] = {"runs": runs, "picked": (a, b)}
    if a and b:
        context.update(compare_view(_job(request, a), _job(request, b)))
    return page(request, "compare.html", context)
