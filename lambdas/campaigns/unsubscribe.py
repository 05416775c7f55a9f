"""The unsubscribe page behind the public HTTP API (no authorisation: the signed token is the
proof; docs/decisions/0078).

    GET  /unsubscribe?token=T   a confirmation page with a button; changes nothing
    POST /unsubscribe?token=T   body List-Unsubscribe=One-Click (RFC 8058, or the page's
                                button): unsubscribes at once, answers 200

A forged, altered or non-canonical token answers 400 with a page saying so, and changes
nothing. Every page carries SECURITY_HEADERS (no frames, no scripts, not cached).
"""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.campaigns._common import SETTINGS, logger, metrics
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.services import unsubscribe_links
from tctfmsg.core.errors import InvalidInput
from tctfmsg.rendering.unsubscribe_page import (
    SECURITY_HEADERS,
    confirm_page,
    done_page,
    refused_page,
)

app = APIGatewayHttpResolver(debug=False)
MAX_BODY_CHARS = 4096  # the one-click body is 26 characters; anything this long is not one
ONE_CLICK = ("List-Unsubscribe", "One-Click")


class _TooLarge(Exception):
    pass


@app.get("/unsubscribe")
def confirm() -> Response:
    found = unsubscribe_links.recipient(bootstrap.default().link_deps, _token())
    return _page(HTTPStatus.OK, confirm_page(found.email, _token(), SETTINGS.preferences_url))


@app.post("/unsubscribe")
def unsubscribe() -> Response:
    _one_click()
    unsubscribe_links.unsubscribe_by_link(bootstrap.default().link_deps, _token())
    metrics.add_metric(name="Unsubscribed", unit=MetricUnit.Count, value=1)
    return _page(HTTPStatus.OK, done_page(SETTINGS.preferences_url))


# ---- errors: the one place they become pages -----------------------------------------------


@app.exception_handler(InvalidInput)
def _refused(error: InvalidInput) -> Response:
    metrics.add_metric(name="UnsubscribeRefused", unit=MetricUnit.Count, value=1)
    logger.info("unsubscribe refused", extra={"error": error.message})
    return _page(HTTPStatus.BAD_REQUEST, refused_page(f"{error.message}: {error.hint}"))


@app.exception_handler(_TooLarge)
def _too_large(_: _TooLarge) -> Response:
    return _page(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, refused_page("the request is too large"))


@app.not_found
def _no_route(_: NotFoundError) -> Response:
    return _page(HTTPStatus.NOT_FOUND, refused_page("there is no such page"))


@app.exception_handler(Exception)
def _unexpected(_: Exception) -> Response:
    logger.exception("unexpected error")
    return _page(HTTPStatus.INTERNAL_SERVER_ERROR, refused_page("please try again later"))


# ---- parsing and shaping -------------------------------------------------------------------


def _token() -> str:
    token = app.current_event.get_query_string_value("token")
    if not token:
        raise InvalidInput("this unsubscribe link has no token", "use the link from the email")
    return token


def _one_click() -> None:
    """The body must say List-Unsubscribe=One-Click: a POST that does not is not an
    unsubscribe request (RFC 8058 section 3.1)."""
    body = app.current_event.decoded_body or ""
    if len(body) > MAX_BODY_CHARS:
        raise _TooLarge()
    if ONE_CLICK not in _form_fields(body, app.current_event.headers.get("content-type", "")):
        raise InvalidInput(
            "this request does not ask to unsubscribe",
            "send List-Unsubscribe=One-Click as a form field",
        )


def _form_fields(body: str, content_type: str) -> list[tuple[str, str]]:
    """The fields of a form body, URL-encoded or multipart/form-data (RFC 8058 allows both)."""
    if not content_type.lower().startswith("multipart/form-data"):
        try:
            return parse_qsl(body, keep_blank_values=True, max_num_fields=20)
        except ValueError:
            return []
    parsed = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body.encode()
    )
    if not parsed.is_multipart():
        return []
    fields = []
    for part in list(parsed.iter_parts())[:20]:
        name = part.get_param("name", header="content-disposition")
        value = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(value, bytes):
            fields.append((name, value.decode("utf-8", "replace").strip()))
    return fields


def _page(status: HTTPStatus, html: str) -> Response:
    return Response(status_code=status, body=html, headers=dict(SECURITY_HEADERS))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
