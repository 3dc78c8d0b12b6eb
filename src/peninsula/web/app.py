"""``create_app(config)``: the Starlette/FastAPI application behind ``peninsula serve``.

FastAPI (on Starlette) with Jinja2 templates, htmx for the parts of pages that update (job
progress, the outcome filter of an exploration) and uvicorn to serve: a small, well-kept
stack that renders on the server, needs no build step and no JavaScript of our own. Every
script is served by the app itself (``/static``): htmx is vendored, plotly.js comes from the
``plotly`` package.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from peninsula._version import __version__
from peninsula.errors import UserError
from peninsula.scenario.model import RUNG_LEGEND
from peninsula.web.catalogue import Catalogue
from peninsula.web.config import WebConfig
from peninsula.web.jobs import JobManager
from peninsula.web.routes import router
from peninsula.web.scenarios import Scenarios, UploadRejected
from peninsula.web.security import TokenMiddleware
from peninsula.web.views import fmt, pct

__all__ = ["create_app"]

HERE = Path(__file__).resolve().parent
logger = logging.getLogger("peninsula.web")


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def _wants_json(request: Request) -> bool:
    return (request.url.path.startswith("/api/")
            or "application/json" in request.headers.get("accept", ""))


def _error_page(request: Request, status: int, problems: list[str], title: str):
    if _wants_json(request):
        return JSONResponse({"error": title, "problems": problems}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html", {
        "title": title, "problems": problems}, status_code=status)


def create_app(config: WebConfig) -> FastAPI:
    """The app for ``config``: catalogue opened, workers ready, routes mounted."""
    config.prepare()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.jobs.close()
        app.state.catalogue.close()

    app = FastAPI(title="Peninsula", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None)
    catalogue = Catalogue(config.catalogue_path)
    app.state.config = config
    app.state.catalogue = catalogue
    app.state.jobs = JobManager(catalogue, config.runs_dir, workers=config.workers,
                                queue_limit=config.queue_limit, scheduler=config.scheduler)
    app.state.scenarios = Scenarios(config)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["pct"] = pct
    templates.env.filters["fmt"] = fmt
    templates.env.globals["version"] = __version__
    templates.env.globals["rung_legend"] = RUNG_LEGEND
    app.state.templates = templates
    if config.token:
        app.add_middleware(TokenMiddleware, token=config.token)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="text/javascript")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(router)

    @app.exception_handler(UploadRejected)
    async def upload_rejected(request: Request, exc: UploadRejected):
        lines = exc.text.splitlines()
        notes: dict[int, list[str]] = {}
        loose = []
        for p in exc.problems:
            line = getattr(p, "line", None)
            if line is not None and 1 <= line <= len(lines):
                notes.setdefault(line, []).append(f"{p.field}: {p.message}" if p.field
                                                  else p.message)
            else:
                loose.append(str(p))
        return templates.TemplateResponse(request, "upload.html", {
            "rejected": exc, "lines": list(enumerate(lines, start=1)), "notes": notes,
            "loose": loose}, status_code=400)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError):
        status = getattr(exc, "status", 400)
        title = {404: "Not found", 403: "Not allowed", 429: "Busy"}.get(status,
                                                                        "Please check the input")
        return _error_page(request, status, [str(p) for p in exc.problems], title)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(x) for x in e['loc'][1:]) or 'request'}: {e['msg']}"
                    for e in exc.errors()]
        return _error_page(request, 400, problems, "Please check the input")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error_page(request, exc.status_code, [str(exc.detail)],
                           "Not found" if exc.status_code == 404 else "Error")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        logger.exception("error while answering %s", request.url.path, exc_info=exc)
        return _error_page(request, 500, [f"internal error ({type(exc).__name__}); the "
                                          "server's log has the details"], "Internal error")

    return app

