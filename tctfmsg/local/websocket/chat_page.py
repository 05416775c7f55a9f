"""The chat page the embedded stack serves beside its Management API: static HTML, CSS and a
script (no build step, nothing from another origin) that opens one socket per user on the local
gateway. `tctfmsg chat page` prints its address with the conversation and the users' tokens in
the #fragment, which a browser never sends to a server (decision 0074).

The page is strict about where it may reach: its Content-Security-Policy allows scripts and
styles from itself only, sockets to the gateway only, and no framing; and the gateway lets no
other browser origin open a socket.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from importlib import resources

from werkzeug.wrappers import Request, Response

PAGE_PATH = "/_local/chat"
_WEBSOCKET_PLACEHOLDER = "{{websocket}}"


@dataclass(frozen=True)
class _Asset:
    filename: str
    content_type: str


_ASSETS = {
    PAGE_PATH: _Asset("chat.html", "text/html; charset=utf-8"),
    f"{PAGE_PATH}.js": _Asset("chat.js", "text/javascript; charset=utf-8"),
    f"{PAGE_PATH}.css": _Asset("chat.css", "text/css; charset=utf-8"),
}


class ChatPage:
    def __init__(self, websocket_url: str) -> None:
        self.websocket_url = websocket_url
        folder = resources.files(__package__) / "static"
        self._bodies = {
            path: (folder / asset.filename).read_text(encoding="utf-8")
            for path, asset in _ASSETS.items()
        }
        self._bodies[PAGE_PATH] = self._bodies[PAGE_PATH].replace(
            _WEBSOCKET_PLACEHOLDER, escape(websocket_url, quote=True)
        )
        self._headers = {
            "Content-Security-Policy": (
                "default-src 'none'; script-src 'self'; style-src 'self'; "
                f"connect-src {websocket_url}; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "Cross-Origin-Resource-Policy": "same-origin",
            "Cache-Control": "no-store",
        }

    def answer(self, request: Request) -> Response | None:
        """The asset at the request's path, or None when the path is none of the page's."""
        asset = _ASSETS.get(request.path)
        if asset is None:
            return None
        if request.method not in ("GET", "HEAD"):
            return Response(status=405, headers={"Allow": "GET, HEAD"})
        return Response(
            self._bodies[request.path],
            status=200,
            content_type=asset.content_type,
            headers=self._headers,
        )
