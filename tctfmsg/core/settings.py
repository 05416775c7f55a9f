"""One validated settings object, read once per process by the CLI and by every Lambda.

A plain pydantic model that `load` fills from the environment itself, as pydantic-settings
would (`TCTFMSG_<FIELD>` or a field's aliases, any case), without importing pydantic-settings
at every cold start (docs/decisions/0091)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError

from tctfmsg.core.errors import ConfigurationError

Target = Literal["local", "aws"]


ENV_PREFIX = "TCTFMSG_"


class Settings(BaseModel):
    # by name (CLI overrides, `load`) or by alias: `region` is also AWS_REGION
    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    target: Target = "local"
    stage: str = Field(default="local", pattern=r"^[a-z][a-z0-9-]{0,19}$")
    region: str = Field(
        default="us-east-1",
        validation_alias=AliasChoices("TCTFMSG_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    profile: str | None = Field(default=None, validation_alias=AliasChoices("AWS_PROFILE"))
    home: Path = Field(default_factory=lambda: Path.home() / ".tctfmsg")
    local_port: int = Field(default=5566, ge=1024, le=65535)
    # Where the AWS APIs answer: unset in AWS; on a local target the CLI and the embedded stack
    # fill these in from the running stack, so nothing below them imports `tctfmsg.local`.
    endpoint_url: str | None = None
    lambda_endpoint_url: str | None = None
    # The embedded stack's own keys, the only ones it accepts (decision 0083); filled in like
    # the endpoints. Unset on a local target: the SDK's usual chain (`tctfmsg local env`).
    local_access_key_id: str | None = Field(default=None, max_length=128)
    local_secret_access_key: SecretStr | None = None
    max_attempts: int = Field(default=8, ge=1, le=20)
    # Templates (tctfmsg/rendering): where they live, where their images are served from, and
    # the page unsubscribe links point at. Unset: the repository's templates/ and its assets.
    templates_dir: Path | None = None
    asset_base_url: str | None = None
    unsubscribe_base_url: str | None = None
    # The public HTTP API (unsubscribe page, provider webhooks): the CDK sets it from the
    # service's HTTP API, the embedded stack to its web endpoint. Unsubscribe links default to
    # its /unsubscribe. The mailto: form of List-Unsubscribe goes to unsubscribe_mailto
    # (default unsubscribe@ the sender's domain); preferences_url, when set, is linked from
    # the unsubscribe page.
    public_base_url: str | None = Field(default=None, max_length=2000)
    unsubscribe_mailto: str | None = Field(default=None, max_length=254)
    preferences_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")
    # How long a process keeps a template's config-table version before looking again.
    template_cache_s: float = Field(default=60.0, ge=0, le=3600)
    # Email backbone (issue 4). Empty URLs mean the real APIs in AWS and the embedded stack's
    # endpoints in local mode.
    sender: str = "news@tctfmsg.local"
    email_timeout_s: float = Field(default=5.0, gt=0, le=60)
    # The fraction of every provider's rate this process's sends may take. The CDK sets it in
    # each sending function's environment from the spec's rate budget; unset, the email
    # backbone's composition root derives it from the same budget (tctfmsg.email.bootstrap).
    send_share: float | None = Field(default=None, gt=0, le=1)
    # Records of one consumer batch handled side by side (each mostly waits on I/O).
    consumer_threads: int = Field(default=10, ge=1, le=100)
    provider_config_ttl_s: float = Field(default=5.0, ge=0, le=3600)
    breaker_sync_s: float = Field(default=1.0, ge=0, le=60)
    resend_api_url: str | None = None
    sendgrid_api_url: str | None = None
    ses_endpoint_url: str | None = None
    # Provider events (docs/decisions/0077): SES's configuration set (unset: the spec's, for the
    # stage; empty: none), transient bounces in a row that suppress an address, and how old a
    # signed webhook may be.
    ses_configuration_set: str | None = Field(default=None, max_length=64)
    transient_bounce_limit: int = Field(default=3, ge=1, le=100)
    webhook_tolerance_s: int = Field(default=300, ge=1, le=3600)
    # Communication (issue 11): the non-email channels' APIs. Unset: the real ones in AWS, the
    # embedded stack's endpoints in local mode (where unset is refused, never the real API).
    sms_endpoint_url: str | None = None  # End User Messaging SMS (pinpoint-sms-voice-v2)
    whatsapp_api_url: str | None = None  # WhatsApp Business Cloud API (graph.facebook.com)
    fcm_api_url: str | None = None  # FCM HTTP v1 (fcm.googleapis.com)
    # The SMS sender (phone number, pool or sender id) and configuration set (delivery events,
    # protect configuration) for End User Messaging SMS; unset: the account's defaults.
    sms_origination_identity: str | None = None
    sms_configuration_set: str | None = None
    # SMS pumping protection: at most this many SMS to one number per hour.
    sms_per_recipient_per_hour: int = Field(default=10, ge=1, le=1000)
    # The EventBridge bus notification status changes are published on; empty: not published.
    status_event_bus: str = Field(default="default", max_length=256)
    # User messages (issue 12): the WebSocket API's management endpoint (API Gateway's
    # https://{api}.execute-api.{region}.amazonaws.com/{stage}; locally the gateway's).
    websocket_management_url: str | None = None
    # Embedded stack only: the local WebSocket gateway's idle timeout and maximum connection
    # age (API Gateway's 10 minutes and 2 hours), shorter for tests.
    local_websocket_idle_timeout_s: float = Field(default=600.0, gt=0, le=7200)
    local_websocket_max_age_s: float = Field(default=7200.0, gt=0, le=7200)
    # An offline member with unread messages gets one notice per conversation this long after
    # the first message they missed.
    chat_unread_notice_after_s: int = Field(default=300, ge=1, le=86400)
    # Where an unread-messages notice sends the user (the conversation is added as a query).
    chat_inbox_url: str = Field(default="https://tctfmsg.example/messages", max_length=2000)
    # Campaigns (issue 5).
    # Embedded stack only: a shorter delivery-queue visibility timeout and every-minute rule,
    # so tests of redelivery and dead-lettering finish in seconds (None: the spec's values).
    local_visibility_timeout_s: int | None = Field(default=None, ge=1, le=43200)
    local_schedule_s: float | None = Field(default=None, gt=0, le=3600)
    # Embedded stack only: the local fan-out waits while the delivery queue is this deep,
    # because moto's SQS slows down with every queued message (0: never wait).
    local_fanout_max_depth: int = Field(default=200, ge=0)
    # Embedded stack only: journal every acknowledged write (decision 0082); off only to
    # measure what it costs (bench/durability_bench.py).
    local_durable: bool = True
    # Embedded stack only: how long a queue poller's receive waits for a message (None: one
    # second where the stack is durable, else 0, short polls with a pause; decision 0094).
    local_poll_wait_s: int | None = Field(default=None, ge=0, le=20)
    # Embedded stack only: the local email providers report a delivery for every send they
    # take, as the real ones do (decision 0077); off only for a benchmark that must not pay it.
    local_delivery_reports: bool = True
    # Campaign safety (issue 13, decision 0076): when a sending campaign pauses itself.
    campaign_failure_window: int = Field(default=200, ge=10, le=100_000)
    campaign_failure_rate: float = Field(default=0.05, gt=0, le=1)
    campaign_bounce_rate: float = Field(default=0.05, gt=0, le=1)
    campaign_complaint_rate: float = Field(default=0.001, gt=0, le=1)
    campaign_reputation_min_sends: int = Field(default=100, ge=1, le=1_000_000)
    # A sending campaign with recipients left and no outcome for this long is stalled (0093).
    campaign_stalled_after_s: int = Field(default=600, ge=60, le=86_400)

    @property
    def local_dir(self) -> Path:
        return self.home / "local"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    def visibility_timeout_s(self, queue: str) -> int:
        """How long a received message of a work queue stays hidden, and so how long a claim
        taken for it lasts: the spec's, or on the embedded stack the shorter test value."""
        if self.local_visibility_timeout_s and self.target == "local":
            return self.local_visibility_timeout_s
        from tctfmsg.core import resources

        return resources.queue(queue).visibility_timeout_s

    @property
    def in_lambda(self) -> bool:
        import os

        return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def from_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The settings the environment sets, by field name, as text for the model to validate:
    `TCTFMSG_<FIELD>`, or for a field with aliases the first of them that is set; names in any
    case."""
    values = {name.lower(): value for name, value in (environ or os.environ).items()}
    found: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        keys = alias.choices if isinstance(alias, AliasChoices) else [ENV_PREFIX + name]
        for key in keys:
            if isinstance(key, str) and key.lower() in values:
                found[name] = values[key.lower()]
                break
    return found


def load(**overrides: object) -> Settings:
    """Read settings from the environment; overrides come from CLI options."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings.model_validate({**from_environment(), **given})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigurationError(
            f"invalid setting {where}: {first['msg']}",
            f"check TCTFMSG_{where.upper()} or the matching CLI option",
        ) from None


@lru_cache(maxsize=1)
def current() -> Settings:
    """The process-wide settings, for Lambdas: validated once at cold start."""
    return load()
