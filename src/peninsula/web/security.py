"""Who may ask (a token when one is set) and what may be touched (names inside known folders).

Every path a request can reach is built from a checked name joined to a configured folder and
then resolved and confirmed to lie inside it, so ``../``, absolute paths, encoded slashes and
symbolic links out of the folder are refused with a 4xx answer.
"""

from __future__ import annotations

import hmac
import re
from pathlib import Path
from urllib.parse import urlencode

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from peninsula.errors import UserError

__all__ = ["COOKIE", "NAME", "BadName", "TokenMiddleware", "check_name", "confine"]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
"""A file or id name a request may use: no slash, no leading dot, at most 128 characters."""

COOKIE = "peninsula_token"


class BadName(UserError):
    """A name in a request that could leave its folder or is not a plain name."""

    status = 400


class OutsideFolder(UserError):
    """A path that resolves outside the folder it must stay in."""

    status = 403


def check_name(name: str, what: str = "name") -> str:
    """``name`` if it is a plain name (letters, digits, ``_ . -``, no ``..``), else BadName."""
    if not NAME.match(name) or ".." in name:
        shown = name[:40].encode("unicode_escape").decode("ascii")
        raise BadName(f"{what} {shown!r} is not allowed: use letters, digits, '_', '.' and '-' "
                      "only, without '..' or '/'")
    return name


def confine(root: Path, name: str, what: str = "name") -> Path:
    """``root / name`` resolved, refused unless it stays inside ``root``."""
    check_name(name, what)
    base = root.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base):
        raise OutsideFolder(f"{what} {name!r} points outside {base.name}/")
    return path


class TokenMiddleware(BaseHTTPMiddleware):
    """Require the token on every request (header, cookie, or ``?token=`` once).

    ``?token=`` on a page sets a cookie and redirects to the same page without it, so the token
    does not stay in the address bar or in the history.
    """

    def __init__(self, app, token: str) -> None:
        super().__init__(app)
        self.token = token.encode()

    def _ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.token)

    async def dispatch(self, request: Request, call_next) -> Response:
        """Let the request through only with the right token."""
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header.lower().startswith("bearer ") else None
        if self._ok(bearer) or self._ok(request.cookies.get(COOKIE)):
            return await call_next(request)
        query = request.query_params.get("token")
        if self._ok(query):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(COOKIE, query, httponly=True, samesite="strict")
            return response
        return PlainTextResponse("401: this server needs its token: open the address printed "
                                 "by `peninsula serve` (it ends in ?token=...) or send "
                                 "'Authorization: Bearer <token>'", status_code=401)
