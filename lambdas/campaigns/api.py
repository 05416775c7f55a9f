"""Campaign API behind API Gateway (REST, IAM authorisation on every method).

Routes are doors: parse, call one function of the campaigns service (campaigns or dlq), shape
JSON.
Errors become status codes in one place (`_failure`), each as {"error": ..., "hint": ...};
anything unexpected is logged and answered with a bare 500, never a traceback.

POST /campaigns honours an `Idempotency-Key` header through Powertools' idempotency utility on
the idempotency table: the same key with the same body answers with the campaign the first
request created, creating nothing; with another body it is a 409. Keys last a day. Without the
header every POST creates a campaign (decision 0065).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lambdas._api_requests import BodyTooLarge, body_text, malformed_event, refusal
from lambdas.campaigns._common import logger, metrics
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.domain.failed_message import FailureState
from tctfmsg.campaigns.services import campaigns, dlq
from tctfmsg.campaigns.services.views import (
    campaign_json,
    delivery_failure_json,
    failed_json,
    progress_json,
)
from tctfmsg.core.errors import Conflict, InvalidInput, NotFound, TctfmsgError, Throttled
from tctfmsg.email.message import AllProvidersUnavailable, ProviderUnavailable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

# debug=False whatever POWERTOOLS_DEV says: Powertools' debug mode answers with tracebacks.
app = APIGatewayRestResolver(debug=False)

# Most specific first: the first class an error is an instance of decides its status.
STATUS: tuple[tuple[type[TctfmsgError], HTTPStatus], ...] = (
    (BodyTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (InvalidInput, HTTPStatus.BAD_REQUEST),
    (NotFound, HTTPStatus.NOT_FOUND),
    (Conflict, HTTPStatus.CONFLICT),  # IllegalTransition and lost races are Conflicts
    (Throttled, HTTPStatus.SERVICE_UNAVAILABLE),
    (ProviderUnavailable, HTTPStatus.SERVICE_UNAVAILABLE),
    (AllProvidersUnavailable, HTTPStatus.SERVICE_UNAVAILABLE),
)
RETRY_AFTER_S = 2

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")  # printable ASCII, no spaces: it becomes a key


@lru_cache(maxsize=1)
def idempotency_config() -> IdempotencyConfig:
    """Built on the first request with a key: Powertools' idempotency utility imports boto3
    and its DynamoDB layer, which no other request needs (a cold start without them)."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="campaign",  # the same key with another body is refused
        expires_after_seconds=24 * 3600,  # a client retrying within a day gets the same one
        raise_on_no_idempotency_key=True,  # never silently unprotected: no key takes _create
    )


# ---- request bodies ------------------------------------------------------------------------
# Strict: "yes" is not a boolean, "5" is not a number. Every text and list has a limit, so a
# 6 MB subject is a 400 naming the field, not a 500 from the store (decision 0081).
MAX_BODY = 64 * 1024
NAME, TEXT, ADDRESS, IDS = 200, 998, 320, 1000  # 998: RFC 5322's longest header line


class _Body(BaseModel):
    # defer_build: a body's validator is built by the first request that sends one, not at
    # every cold start
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        populate_by_name=True,
        strict=True,
        defer_build=True,
    )


class CreateCampaign(_Body):
    name: str = Field(max_length=NAME)
    subject: str = Field(max_length=TEXT)
    template: str = Field(max_length=NAME)
    list_name: str = Field(alias="list", max_length=NAME)
    filter: dict[str, str] = Field(default_factory=dict, max_length=50)
    sender: str | None = Field(None, max_length=ADDRESS)  # default: the stage's TCTFMSG_SENDER
    render: Literal["runtime", "hosted"] = "runtime"


class ScheduleCampaign(_Body):
    at: datetime  # ISO 8601 with a zone; the service refuses a naive or past time


class RetryFailed(_Body):
    ids: list[str] = Field(default_factory=list, max_length=IDS)
    campaign_id: str | None = Field(None, max_length=NAME)
    reason: str | None = Field(None, max_length=NAME)
    all: bool = False

    @model_validator(mode="after")
    def _one_selection(self) -> RetryFailed:
        chosen = [bool(self.ids), bool(self.campaign_id or self.reason), self.all]
        if sum(chosen) != 1:
            raise ValueError("give exactly one of: ids, campaign_id and/or reason, or all=true")
        return self


class ResolveFailed(_Body):
    ids: list[str] = Field(min_length=1, max_length=IDS)


# ---- campaigns -----------------------------------------------------------------------------


@app.post("/campaigns")
def create_campaign() -> Response:
    body, key = _body(CreateCampaign), _idempotency_key()
    created = _create(body) if key is None else _create_once(key, body)
    return _json(created, HTTPStatus.CREATED)


def _create(body: CreateCampaign) -> dict[str, Any]:
    runtime = bootstrap.default()
    campaign = campaigns.create(
        runtime.campaign_deps,
        name=body.name,
        subject=body.subject,
        template=body.template,
        list_name=body.list_name,
        filter=body.filter,
        sender=body.sender or runtime.settings.sender,
        render=body.render,
    )
    metrics.add_metric(name="CampaignsCreated", unit=MetricUnit.Count, value=1)
    return campaign_json(campaign)


def _create_recorded(request: dict[str, Any]) -> dict[str, Any]:
    return _create(CreateCampaign.model_validate(request["campaign"]))


def _create_once(key: str, body: CreateCampaign) -> dict[str, Any]:
    """`_create` once per key: the recorded answer for a key seen before with this body. A
    create that fails records nothing, so the key can be sent again."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = idempotency_config()
    config.register_lambda_context(app.lambda_context)  # a key in progress is freed at timeout
    once = idempotent_function(
        _create_recorded,
        data_keyword_argument="request",
        persistence_store=bootstrap.default().idempotency_store,
        config=config,
    )
    request = {"key": key, "campaign": body.model_dump(mode="json", by_alias=True)}
    try:
        return dict(once(request=request))
    except IdempotencyValidationError:
        raise Conflict(
            f"this {IDEMPOTENCY_HEADER} was already used to create a different campaign",
            "send a new key for a new campaign; repeat a key only to repeat its request",
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            f"a request with this {IDEMPOTENCY_HEADER} is still being processed",
            "retry in a few seconds: it will answer with the campaign it created",
        ) from None


@app.get("/campaigns")
def list_campaigns() -> Response:
    status = _choice(CampaignStatus, "status", app.current_event.get_query_string_value("status"))
    found = campaigns.list_campaigns(_campaign_deps(), status)
    return _json({"campaigns": [campaign_json(c) for c in found]})


@app.get("/campaigns/<campaign_id>")
def get_campaign(campaign_id: str) -> Response:
    return _json(campaign_json(campaigns.get(_campaign_deps(), campaign_id)))


@app.get("/campaigns/<campaign_id>/stats")
def campaign_stats(campaign_id: str) -> Response:
    return _json(progress_json(campaigns.get(_campaign_deps(), campaign_id)))


@app.get("/campaigns/<campaign_id>/failures")
def campaign_failures(campaign_id: str) -> Response:
    reason = app.current_event.get_query_string_value("reason")
    found = campaigns.failed_deliveries(_campaign_deps(), campaign_id, reason)
    return _json({"failures": [delivery_failure_json(d) for d in found]})


@app.post("/campaigns/<campaign_id>/schedule")
def schedule_campaign(campaign_id: str) -> Response:
    at = _body(ScheduleCampaign).at
    return _json(campaign_json(campaigns.schedule(_campaign_deps(), campaign_id, at)))


@app.post("/campaigns/<campaign_id>/send-now")
def send_now(campaign_id: str) -> Response:
    return _json(campaign_json(campaigns.send_now(_campaign_deps(), campaign_id)))


@app.post("/campaigns/<campaign_id>/pause")
def pause(campaign_id: str) -> Response:
    return _json(campaign_json(campaigns.pause(_campaign_deps(), campaign_id)))


@app.post("/campaigns/<campaign_id>/resume")
def resume(campaign_id: str) -> Response:
    return _json(campaign_json(campaigns.resume(_campaign_deps(), campaign_id)))


@app.post("/campaigns/<campaign_id>/cancel")
def cancel(campaign_id: str) -> Response:
    return _json(campaign_json(campaigns.cancel(_campaign_deps(), campaign_id)))


# ---- dead letters --------------------------------------------------------------------------


@app.get("/dlq/stats")
def dlq_stats() -> Response:
    return _json(asdict(dlq.stats(_dlq_deps())))


@app.get("/dlq/messages")
def dlq_list() -> Response:
    query = app.current_event.get_query_string_value
    raw_state = query("state") or FailureState.OPEN.value
    state = None if raw_state == "all" else _choice(FailureState, "state", raw_state, "all")
    found = dlq.list_failed(_dlq_deps(), query("campaign_id"), query("reason"), state)
    return _json({"failed_messages": [failed_json(f) for f in found]})


@app.post("/dlq/retry")
def dlq_retry() -> Response:
    body = _body(RetryFailed)
    selection = dlq.Selection(tuple(body.ids), body.campaign_id, body.reason, body.all)
    report = dlq.retry(_dlq_deps(), selection)
    metrics.add_metric(name="DeadLettersRetried", unit=MetricUnit.Count, value=len(report.retried))
    return _json(asdict(report))


@app.post("/dlq/resolve")
def dlq_resolve() -> Response:
    resolved = dlq.resolve(_dlq_deps(), _body(ResolveFailed).ids)
    # The service hands back the items as it found them (still open): answer with their IDs.
    return _json({"resolved": [f.failure_id for f in resolved]})


# ---- errors: the one place they become answers ---------------------------------------------


@app.exception_handler(TctfmsgError)
def _domain_error(error: TctfmsgError) -> Response:
    status = next((s for kind, s in STATUS if isinstance(error, kind)), None)
    if status is None:  # misconfiguration and the like: the operator's message still helps
        logger.exception("request failed: %s", error)
        return _failure(HTTPStatus.INTERNAL_SERVER_ERROR, error.message, error.hint)
    return _failure(status, error.message, error.hint)


@app.not_found
def _no_route(_: NotFoundError) -> Response:
    event = app.current_event
    return _failure(
        HTTPStatus.NOT_FOUND,
        f"no route {event.http_method} {event.path}",
        "see docs/decisions/0031-campaign-api.md for the routes",
    )


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response:
    logger.exception("unexpected error")
    request_id = app.current_event.request_context.request_id
    return _failure(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "internal error",
        f"the function's logs have the details under request id {request_id}",
    )


def _failure(status: HTTPStatus, message: str, hint: str | None) -> Response:
    server_side = status >= HTTPStatus.INTERNAL_SERVER_ERROR
    metrics.add_metric(
        name="ServerErrors" if server_side else "ClientErrors", unit=MetricUnit.Count, value=1
    )
    if not server_side:
        logger.info("request refused", extra={"status": int(status), "error": message})
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    return _json({"error": message, "hint": hint}, status, headers)


# ---- parsing and shaping -------------------------------------------------------------------

_Model = TypeVar("_Model", bound=BaseModel)
_Choice = TypeVar("_Choice", bound=StrEnum)


def _body(model: type[_Model]) -> _Model:
    """The request body as `model`; InvalidInput naming the first field that is wrong."""
    try:
        return model.model_validate_json(body_text(app.current_event.raw_event, MAX_BODY) or "{}")
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        if first["type"] == "json_invalid":
            raise InvalidInput("the request body is not valid JSON") from None
        where = ".".join(str(part) for part in first["loc"])
        reason = first["msg"].removeprefix("Value error, ")
        raise InvalidInput(
            f"invalid request body: {where}: {reason}"
            if where
            else f"invalid request body: {reason}"
        ) from None


def _idempotency_key() -> str | None:
    key = app.current_event.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not key.strip():
        raise InvalidInput(
            f"the {IDEMPOTENCY_HEADER} header is empty",
            "send a unique key (a UUID, say) per campaign, or leave the header out",
        )
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput(
            f"the {IDEMPOTENCY_HEADER} header must be 1 to 255 printable ASCII characters",
            "send a UUID, say",
        )
    return key


def _choice(kind: type[_Choice], name: str, raw: str | None, *extra: str) -> _Choice | None:
    if raw is None:
        return None
    try:
        return kind(raw.strip().lower())
    except ValueError:
        allowed = ", ".join([*(member.value for member in kind), *extra])
        raise InvalidInput(f"unknown {name} {raw!r}", f"use one of {allowed}") from None


def _campaign_deps() -> campaigns.CampaignDeps:
    return bootstrap.default().campaign_deps


def _dlq_deps() -> dlq.DlqDeps:
    return bootstrap.default().dlq_deps


def _json(
    body: Any, status: HTTPStatus = HTTPStatus.OK, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=headers,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    malformed = malformed_event(event)
    if malformed:  # not from API Gateway: the resolver would raise on it
        return refusal(malformed)
    return app.resolve(event, context)
