"""``peninsula serve``: the local web app (issue 12).

Parses the options, builds :class:`peninsula.web.config.WebConfig`, prints the address and
hands the app to uvicorn. It opens no browser. Binding beyond the loopback interface needs a
token (``--token`` or ``PENINSULA_TOKEN``), checked on every request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peninsula.cli.console import missing_extra, say, user_error
from peninsula.errors import UserError


def serve(
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    scenarios: Annotated[Path | None, typer.Option(
        "--scenarios", help="Folder of scenario YAML files to offer besides the built-ins.")
    ] = None,
    data: Annotated[Path, typer.Option(
        help="Folder for the catalogue, runs and uploads.")] = Path("peninsula-web"),
    workers: Annotated[int, typer.Option(help="Jobs run at the same time.")] = 2,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address to run on (tcp://host:port).")] = None,
    token: Annotated[str | None, typer.Option(
        envvar="PENINSULA_TOKEN", help="Token required on every request (needed off loopback).")
    ] = None,
    queue: Annotated[int | None, typer.Option(
        help="Jobs that may wait for a worker; more are refused with 429 (default 16).")] = None,
) -> None:
    """Serve the web app: scenarios, runs, comparisons and explorations in a browser."""
    try:
        import uvicorn

        from peninsula.web.app import create_app
        from peninsula.web.config import DEFAULT_QUEUE_LIMIT, WebConfig
    except ImportError as exc:
        raise missing_extra("web", "serve", exc) from None
    try:
        config = WebConfig(data=data, scenarios=scenarios, host=host, port=port,
                           workers=workers, scheduler=scheduler, token=token,
                           queue_limit=DEFAULT_QUEUE_LIMIT if queue is None else queue)
        app = create_app(config)
    except UserError as exc:
        raise user_error(exc) from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    say(f"Peninsula web app on {url}  (catalogue {config.catalogue_path}; Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add the web app's commands to the ``peninsula`` app."""
    app.command("serve", help="Serve the web app on 127.0.0.1:8765 (opens nothing).")(serve)
