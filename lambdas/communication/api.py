"""Notification API: behind API Gateway (REST, IAM authorisation on every method) and by direct
invoke from other services' functions. POST/GET /notifications, and PUT/GET/DELETE
/users/{user_id} so a sign-up service can register the addresses it collected.

Routes are doors: parse, call one function of the communication service, shape JSON. Errors
become status codes in one place, each as {"error": ..., "hint": ...}; anything unexpected is
logged and answered with a bare 500, never a traceback.

A direct invoke (an event that is not an API Gateway request) is a send: its payload is the
request body, {type, user_id, data, idempotency_key}, and the answer is the body the API would
give, with its "status_code".
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas._api_requests import BodyTooLarge, body_text, malformed_event, refusal
from lambdas.communication._common import logger, metrics
from tctfmsg.communication import bootstrap
from tctfmsg.communication.services import records, users
from tctfmsg.communication.services.accept import Accepted, accept, request_from
from tctfmsg.core.errors import Conflict, InvalidInput, NotFound, TctfmsgError, Throttled

app = APIGatewayRestResolver(debug=False)  # never tracebacks in answers

STATUS: tuple[tuple[type[TctfmsgError], HTTPStatus], ...] = (
    (BodyTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (InvalidInput, HTTPStatus.BAD_REQUEST),
    (NotFound, HTTPStatus.NOT_FOUND),
    (Conflict, HTTPStatus.CONFLICT),
    (Throttled, HTTPStatus.SERVICE_UNAVAILABLE),
)
MAX_BODY = 64 * 1024


@app.post("/notifications")
def send() -> Response:
    accepted = _send(_json_body())
    return _json(_accepted_json(accepted), HTTPStatus.OK if accepted.repeated else 202)


@app.get("/notifications/<notification_id>")
def show(notification_id: str) -> Response:
    found = records.show(_record_deps(), notification_id)
    return _json(records.notification_json(found))


@app.get("/notifications")
def list_notifications() -> Response:
    query = app.current_event.get_query_string_value
    found = records.list_notifications(
        _record_deps(), user_id=query("user"), type_=query("type"), status=query("status")
    )
    return _json({"notifications": [records.notification_json(n) for n in found]})


@app.put("/users/<user_id>")
def put_user(user_id: str) -> Response:
    changes = users.user_changes(_json_body())
    user = users.set_user(bootstrap.default().users, user_id, **changes)
    return _json(users.user_fields(user))


@app.get("/users/<user_id>")
def get_user(user_id: str) -> Response:
    return _json(users.user_fields(users.show_user(bootstrap.default().users, user_id)))


@app.delete("/users/<user_id>")
def delete_user(user_id: str) -> Response:
    users.delete_user(bootstrap.default().users, user_id)
    return _json({"deleted": user_id})


def _send(body: Any) -> Accepted:
    accepted = accept(bootstrap.default().accept_deps, request_from(body))
    if not accepted.repeated:
        metrics.add_metric(name="NotificationsAccepted", unit=MetricUnit.Count, value=1)
    return accepted


def _accepted_json(accepted: Accepted) -> dict[str, Any]:
    n = accepted.notification
    return {"notification_id": n.notification_id, "status": n.status.value}


# ---- errors: the one place they become answers ---------------------------------------------


def _status_of(error: TctfmsgError) -> HTTPStatus:
    return next((s for kind, s in STATUS if isinstance(error, kind)), HTTPStatus.BAD_GATEWAY)


@app.exception_handler(TctfmsgError)
def _domain_error(error: TctfmsgError) -> Response:
    status = _status_of(error)
    if status >= 500:
        logger.exception("request failed: %s", error)
    return _json({"error": error.message, "hint": error.hint}, status)


@app.not_found
def _no_route(_: NotFoundError) -> Response:
    event = app.current_event
    return _json(
        {"error": f"no route {event.http_method} {event.path}", "hint": "see docs/api.md"},
        HTTPStatus.NOT_FOUND,
    )


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response:
    logger.exception("unexpected error")
    return _json({"error": "internal error", "hint": "the function's logs have the details"}, 500)


def _json_body() -> Any:
    raw = body_text(app.current_event.raw_event, MAX_BODY)
    try:
        return json.loads(raw or "null", parse_constant=_not_a_number)
    except (ValueError, RecursionError):
        raise InvalidInput("the request body is not valid JSON") from None


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json(body: Any, status: int = 200) -> Response:
    return Response(status, content_types.APPLICATION_JSON, json.dumps(body, default=str))


def _record_deps() -> records.RecordDeps:
    return bootstrap.default().record_deps


def _direct(event: dict[str, Any]) -> dict[str, Any]:
    try:
        accepted = _send(event)
    except TctfmsgError as error:
        status = _status_of(error)
        if status >= 500:
            logger.exception("direct send failed: %s", error)
        return {"status_code": int(status), "error": error.message, "hint": error.hint}
    return {"status_code": 200 if accepted.repeated else 202, **_accepted_json(accepted)}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if isinstance(event, dict) and ("httpMethod" in event or "requestContext" in event):
        malformed = malformed_event(event)  # the resolver would raise on it
        return refusal(malformed) if malformed else app.resolve(event, context)
    return _direct(event)
