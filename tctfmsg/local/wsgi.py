"""What the stack's WSGI middlewares (origin guard, signature guard, journal) share: the app
type, and a request body read whole, whether sized or chunked."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        return bytes(environ["wsgi.input"].read(length))
    if environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream for us
        return bytes(environ["wsgi.input"].read())
    return b""
