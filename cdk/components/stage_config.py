"""What a stage needs decided before it deploys (docs/decisions/0087): the functions' settings
(the verified sender, where template images are served from, ...), the address alarms are sent
to, and how many instances each queue-fed function may run.

They come from `cdk/stages/<stage>.toml`, then from CDK context, which wins key by key:

    alarm_email = "ops@example.com"           # -c alarm_email=ops@example.com
    [settings]                                # -c settings='{"sender": "..."}' (Settings fields)
    sender = "News <news@example.com>"
    asset_base_url = "https://assets.example.com/email"
    [concurrency]                             # -c concurrency='{"campaign_consumer": 20}'
    campaign_consumer = 20
    [throttling]                              # -c throttling='{"campaign_api": {...}}'
    campaign_api = { rate = 20, burst = 40 }  # requests a second, steady and in a burst

Every stage but `dev` must give the sender, the asset base URL, the alarm email, the
concurrency of every sending function and the throttling of every API, or the synth stops with
one line naming what is missing. `dev` falls back to the defaults: the sender
`news@tctfmsg.local`, the registry's asset URL, no alarm subscription, the spec's concurrency,
each API component's own rate and burst. Unsubscribe links need nothing: the campaigns stack
points them at its own public HTTP API (`unsubscribe_base_url` overrides it, for a domain of
your own).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs import Construct

from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError, TctfmsgError
from tctfmsg.core.specs.user_messages import WEBSOCKET_API
from tctfmsg.email.headers import one_address

STAGES_DIR = Path(__file__).resolve().parents[1] / "stages"
DEV = "dev"  # the one stage that may deploy on defaults
KEYS = ("settings", "alarm_email", "concurrency", "throttling")
_MAX_FILE_BYTES = 64 * 1024
_MAX_CONCURRENCY = 1000  # Lambda's cap on an SQS event source's maximum concurrency
# Settings every other stage must set: the defaults would send from an unverified address and
# point images at a host that is not ours.
REQUIRED_SETTINGS = ("sender", "asset_base_url")
_QUEUE_FED = {f.logical: f for f in resources.FUNCTIONS if f.queue_source}
# Senders' instances split the provider's rate between them: how many there are is a decision.
REQUIRED_CONCURRENCY = tuple(f.logical for f in resources.FUNCTIONS if f.sends_email)
# API Gateway's default account quota: a stage's API can take no more than its account.
_MAX_RATE, _MAX_BURST = 10_000, 5_000


def public_api(service: str) -> str:
    """The name of a service's public HTTP API (unsubscribe page, webhooks)."""
    return f"{service}_public"


# Every API a stage throttles, each required outside dev: the IAM REST APIs (by their function),
# the public HTTP APIs and the chat WebSocket API. What each takes is a load decision per stage.
THROTTLED_APIS = (
    *(f.logical for f in resources.FUNCTIONS if f.api),
    *dict.fromkeys(public_api(f.service) for f in resources.FUNCTIONS if f.http_routes),
    WEBSOCKET_API,
)


@dataclass(frozen=True)
class Throttle:
    """An API stage's default route throttling: requests a second, steady and in a burst."""

    rate: float
    burst: int

    def limits(self) -> dict[str, Any]:
        """As the API components take them."""
        return {"rate_limit": self.rate, "burst_limit": self.burst}


@dataclass(frozen=True)
class StageConfig:
    stage: str
    settings: dict[str, Any]
    alarm_email: str | None
    concurrency: dict[str, int]
    throttling: dict[str, Throttle] = field(default_factory=dict)

    def limits(self, api: str) -> dict[str, Any]:
        """The stage's rate and burst for an API (THROTTLED_APIS), as keyword arguments of
        its component; none (the component's defaults) where a dev stage left them out."""
        assert api in THROTTLED_APIS, api
        throttle = self.throttling.get(api)
        return throttle.limits() if throttle else {}

    def max_concurrency(self, spec: resources.FunctionSpec) -> int:
        """The stage's bound on a queue-fed function's instances, else the spec's."""
        assert spec.queue_source is not None
        return self.concurrency.get(spec.logical, spec.queue_source.max_concurrency)


def with_stage_file(
    stage: str, context: Mapping[str, Any], stages_dir: Path | None = None
) -> dict[str, Any]:
    """The stage's values of KEYS: its file's, with the context's over them key by key (and
    field by field within `settings` and `concurrency`). Context left unset (None) is absent."""
    given = {key: context[key] for key in KEYS if context.get(key) is not None}
    path = (stages_dir or STAGES_DIR) / f"{stage}.toml"
    if not path.is_file():
        return given
    merged = dict(given)
    for key, value in _read(path).items():
        if key == "alarm_email":
            merged.setdefault(key, value)
        else:
            merged[key] = {**value, **_object(given.get(key), key)}
    return merged


def stage_config(scope: Construct, stage: str) -> StageConfig:
    """The stage's configuration from the app's context, checked; ConfigurationError names
    every value a non-dev stage is missing."""
    raw_settings = _object(scope.node.try_get_context("settings"), "settings")
    config = StageConfig(
        stage=stage,
        settings=raw_settings,
        alarm_email=_alarm_email(scope.node.try_get_context("alarm_email")),
        concurrency=_concurrency(_object(scope.node.try_get_context("concurrency"), "concurrency")),
        throttling=_throttling(_object(scope.node.try_get_context("throttling"), "throttling")),
    )
    _check_urls(config.settings)
    if "sender" in config.settings:
        _address("settings.sender", config.settings["sender"])
    if stage != DEV:
        missing = [f"settings.{name}" for name in REQUIRED_SETTINGS if not raw_settings.get(name)]
        missing += [] if config.alarm_email else ["alarm_email"]
        missing += [f"concurrency.{n}" for n in REQUIRED_CONCURRENCY if n not in config.concurrency]
        missing += [f"throttling.{n}" for n in THROTTLED_APIS if n not in config.throttling]
        if missing:
            raise ConfigurationError(
                f"stage {stage} is missing {', '.join(missing)}",
                f"set them in cdk/stages/{stage}.toml or with -c (README: Deploying); "
                f"only {DEV} deploys on defaults",
            )
    return config


def _read(path: Path) -> dict[str, Any]:
    data = path.read_bytes()[: _MAX_FILE_BYTES + 1]
    if len(data) > _MAX_FILE_BYTES:
        raise ConfigurationError(f"{path.name} is over {_MAX_FILE_BYTES} bytes", "trim it")
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path.name} is not valid TOML: {exc}", "fix the file") from None
    unknown = sorted(set(parsed) - set(KEYS))
    if unknown:
        raise ConfigurationError(
            f"{path.name} has unknown keys {', '.join(unknown)}", f"use {', '.join(KEYS)}"
        )
    if "alarm_email" in parsed and not isinstance(parsed["alarm_email"], str):
        raise ConfigurationError(f"{path.name}: alarm_email must be a string", "quote it")
    for key in ("settings", "concurrency", "throttling"):
        if key in parsed and not isinstance(parsed[key], dict):
            raise ConfigurationError(f"{path.name}: {key} must be a table", f"write [{key}]")
    return parsed


def _object(raw: Any, key: str) -> dict[str, Any]:
    """A context value that holds a JSON object, as `-c` passes it (a string) or cdk.json."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raw = None
    if not isinstance(raw, dict):
        raise ConfigurationError(
            f"context `{key}` must be a JSON object", f"e.g. -c {key}='{{\"name\": value}}'"
        )
    return dict(raw)


def _alarm_email(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ConfigurationError("alarm_email must be a string", "e.g. ops@example.com")
    display, address = _address("alarm_email", raw)
    if display:  # SNS takes a bare address as an email subscription's endpoint
        raise ConfigurationError("alarm_email must be a bare address", "e.g. ops@example.com")
    return address


def _address(name: str, raw: Any) -> tuple[str, str]:
    if not isinstance(raw, str) or len(raw) > 320:
        raise ConfigurationError(f"{name} must be one email address", "e.g. ops@example.com")
    try:
        return one_address(name, raw)
    except TctfmsgError as exc:
        raise ConfigurationError(exc.message, exc.hint) from None


def _only_known(raw: dict[str, Any], known: Iterable[str], table: str, what: str) -> None:
    """One line naming every key of the `table` table that is not one of `known`."""
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigurationError(
            f"{table} names {', '.join(unknown)}, which {what}",
            f"name one of: {', '.join(sorted(known))}",
        )


def _concurrency(raw: dict[str, Any]) -> dict[str, int]:
    _only_known(raw, _QUEUE_FED, "concurrency", "read no queue")
    for name, value in raw.items():
        if type(value) is not int or not 1 <= value <= _MAX_CONCURRENCY:
            raise ConfigurationError(
                f"concurrency.{name} must be a whole number from 1 to {_MAX_CONCURRENCY}",
                f"got {str(value)[:40]!r}",
            )
    return dict(raw)


def _throttling(raw: dict[str, Any]) -> dict[str, Throttle]:
    _only_known(raw, THROTTLED_APIS, "throttling", "is not an API")
    found = {}
    for name, value in raw.items():
        example = f"e.g. {name} = {{ rate = 50, burst = 100 }}"
        if not isinstance(value, dict) or set(value) != {"rate", "burst"}:
            raise ConfigurationError(f"throttling.{name} must give rate and burst only", example)
        rate, burst = value["rate"], value["burst"]
        if type(rate) not in (int, float) or not 0 < rate <= _MAX_RATE:
            raise ConfigurationError(
                f"throttling.{name}.rate must be a number of requests a second over 0 and at "
                f"most {_MAX_RATE}",
                f"got {str(rate)[:40]!r}",
            )
        if type(burst) is not int or not 1 <= burst <= _MAX_BURST:
            raise ConfigurationError(
                f"throttling.{name}.burst must be a whole number from 1 to {_MAX_BURST}",
                f"got {str(burst)[:40]!r}",
            )
        found[name] = Throttle(rate, burst)
    return found


def _check_urls(values: dict[str, Any]) -> None:
    for name in ("asset_base_url", "unsubscribe_base_url"):
        url = values.get(name)
        if url is not None and not (isinstance(url, str) and url.startswith("https://")):
            raise ConfigurationError(
                f"settings.{name} must be an https:// URL", "recipients' mail clients load it"
            )
