"""Per-stage settings for every function, from context `settings`, checked at synth time.

    cdk deploy -c stage=prod -c settings='{"sender": "news@example.com"}'

or, in cdk/cdk.json, "context": {"settings": {...}}. Keys are `tctfmsg.core.settings.Settings` field
names; each becomes TCTFMSG_<NAME> in the function's environment. Target and stage belong to the
construct, region and profile to the account, a sender's share of the provider rate to the
spec's rate budget: those cannot be set here.
"""

from __future__ import annotations

import json
from typing import Any

from constructs import Construct

from tctfmsg.core import settings
from tctfmsg.core.errors import ConfigurationError

_NOT_SETTABLE = frozenset({"target", "stage", "region", "profile", "send_share"})


def function_settings(scope: Construct) -> dict[str, str]:
    raw = _context_settings(scope)
    return {f"TCTFMSG_{name.upper()}": str(value) for name, value in raw.items()}


def stage_setting(scope: Construct, name: str) -> Any:
    """One setting as the stage's functions see it: from context `settings`, else its default
    (never the synth machine's environment, which no function sees)."""
    raw = _context_settings(scope)
    return raw[name] if name in raw else settings.Settings.model_fields[name].default


def _context_settings(scope: Construct) -> dict[str, Any]:
    raw: Any = scope.node.try_get_context("settings") or {}
    if isinstance(raw, str):  # `-c settings=...` arrives as a string
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raw = None
    if not isinstance(raw, dict):
        raise ConfigurationError(
            "context `settings` must be a JSON object", 'e.g. -c settings=\'{"sender": "a@b.c"}\''
        )
    refused = sorted(set(raw) - set(settings.Settings.model_fields) | set(raw) & _NOT_SETTABLE)
    if refused:
        raise ConfigurationError(
            f"context `settings` cannot set {', '.join(refused)}",
            "use field names of tctfmsg.core.settings.Settings other than target, stage, "
            "region, profile and send_share (the spec's rate budget sets each sender's)",
        )
    settings.load(**raw)  # the Lambda would refuse the same values at cold start
    return raw
