"""Resend's and SendGrid's webhooks behind a public HTTP API (payload v2, no IAM): the body is
believed only once its signature verifies, then its events are queued. A refused webhook is a
401 and a `WebhookRefused` metric; an oversized one a 413 (docs/decisions/0077)."""

from __future__ import annotations

import base64
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.campaigns._common import logger, metrics
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.services import provider_webhooks
from tctfmsg.campaigns.services.provider_webhooks import PayloadTooLarge
from tctfmsg.core.errors import Throttled
from tctfmsg.email.events.model import WebhookRefused

app = APIGatewayHttpResolver(debug=False)


@app.post("/webhooks/<provider>")
def webhook(provider: str) -> Response[str]:
    event = app.current_event
    raw = event.body or ""
    body = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
    deps = bootstrap.default().webhook_deps(_count_refusal)
    queued = provider_webhooks.receive(deps, provider, dict(event.headers or {}), body)
    return _answer(HTTPStatus.OK, f'{{"queued": {queued}}}')


@app.exception_handler(WebhookRefused)
def _refused(error: WebhookRefused) -> Response[str]:
    return _answer(HTTPStatus.UNAUTHORIZED, '{"error": "signature refused"}')


@app.exception_handler(PayloadTooLarge)
def _too_large(error: PayloadTooLarge) -> Response[str]:
    return _answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, '{"error": "body too large"}')


@app.exception_handler(Throttled)
def _busy(error: Throttled) -> Response[str]:
    return _answer(HTTPStatus.SERVICE_UNAVAILABLE, '{"error": "try again"}')


def _count_refusal(provider: str, why: str) -> None:
    logger.warning("webhook refused", extra={"provider": provider, "why": why})
    metrics.add_metric(name="WebhookRefused", unit=MetricUnit.Count, value=1)


def _answer(status: HTTPStatus, body: str) -> Response[str]:
    return Response(
        status_code=status.value, content_type=content_types.APPLICATION_JSON, body=body
    )


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
