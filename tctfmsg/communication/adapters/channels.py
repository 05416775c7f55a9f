"""Builds the non-email channels (SMS, WhatsApp, push) from the shared client factory: each
behind its shared breaker, SMS behind its per-recipient rate limit too. Credentials come from
the `messaging_keys` secret through Powertools (cached, read afresh after a refused token).

On a local target every channel's endpoint must come from settings (the embedded stack and the
CLI fill them in), so a local run can never reach a real API; in AWS unset means the real one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tctfmsg.communication.adapters.guards import BreakerChannel, RateLimitedChannel
from tctfmsg.communication.adapters.push import FcmPushChannel
from tctfmsg.communication.adapters.rate_windows import DynamoRateWindows
from tctfmsg.communication.adapters.sms import SmsChannel
from tctfmsg.communication.adapters.whatsapp import WhatsAppChannel
from tctfmsg.communication.ports import Channel
from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.core.settings import Settings
from tctfmsg.email.breaker_storage import DynamoBreakerStorage
from tctfmsg.email.keys import ProviderKeys

CHANNELS: tuple[str, ...] = ("sms", "whatsapp", "push")
_ENDPOINT_SETTINGS = {
    "sms": "sms_endpoint_url",
    "whatsapp": "whatsapp_api_url",
    "push": "fcm_api_url",
}


@dataclass(frozen=True)
class BreakerPolicy:
    fail_max: int = 5
    reset_timeout_s: float = 30.0


LOCAL_POLICY = BreakerPolicy(fail_max=3, reset_timeout_s=5.0)  # back in seconds while watched


def build_channels(
    clients: Clients,
    keys: ProviderKeys | None = None,
    settings: Settings | None = None,
    policy: BreakerPolicy | None = None,
) -> dict[str, Channel]:
    s = settings or clients.settings
    endpoints = channel_endpoints(s)
    keys = keys or ProviderKeys(clients.names["messaging_keys"], clients.client("secretsmanager"))
    policy = policy or (LOCAL_POLICY if s.target == "local" else BreakerPolicy())
    dynamodb = clients.client("dynamodb")
    sms = SmsChannel(
        clients.send_client("pinpoint-sms-voice-v2", endpoints["sms"], s.email_timeout_s),
        s.sms_origination_identity,
        s.sms_configuration_set,
    )
    plain: dict[str, Channel] = {
        "sms": RateLimitedChannel(
            sms,
            DynamoRateWindows(clients.names["rate_windows"], dynamodb),
            s.sms_per_recipient_per_hour,
        ),
        "whatsapp": WhatsAppChannel(
            keys.for_provider("whatsapp_token"),
            keys.for_provider("whatsapp_phone_number_id"),
            endpoints["whatsapp"],
            s.email_timeout_s,
            on_auth_failure=keys.refresh,
        ),
        "push": FcmPushChannel(
            keys.for_provider("fcm_token"),
            keys.for_provider("fcm_project"),
            endpoints["push"],
            s.email_timeout_s,
            on_auth_failure=keys.refresh,
        ),
    }
    return {
        name: BreakerChannel(
            channel,
            DynamoBreakerStorage(
                name, clients.names["breakers"], dynamodb, max_age_s=s.breaker_sync_s
            ),
            policy.fail_max,
            policy.reset_timeout_s,
        )
        for name, channel in plain.items()
    }


def channel_endpoints(s: Settings) -> dict[str, str | None]:
    """Each channel's API base URL: None for the real one (AWS target only)."""
    found = {name: getattr(s, setting) for name, setting in _ENDPOINT_SETTINGS.items()}
    missing = [_ENDPOINT_SETTINGS[name] for name, url in found.items() if not url]
    if s.target == "local" and missing:
        raise ConfigurationError(
            f"no local endpoint for {', '.join(missing)}",
            "start the embedded stack with `tctfmsg local up`, or set "
            + ", ".join(f"TCTFMSG_{m.upper()}" for m in missing),
        )
    return found
