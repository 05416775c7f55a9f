"""What runs inside the embedded stack besides the AWS endpoint.

Each component starts its servers or workers on 127.0.0.1 and reports the endpoints it serves;
the daemon starts them in order after provisioning and stops them in reverse before the snapshot.
A later service adds its piece here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tctfmsg.core.settings import Settings

# One place for the stack's ports: offsets from the base port (`tctfmsg local up --port`).
PORT_OFFSETS: dict[str, int] = {
    "aws": 0,
    "resend": 1,
    "sendgrid": 2,
    "websocket": 3,
    "ses": 4,  # ses: fault proxy to moto
    "lambda": 5,  # the function runtime's Invoke API
    "sms": 6,  # End User Messaging SMS (pinpoint-sms-voice-v2)
    "whatsapp": 7,  # WhatsApp Business Cloud API
    "push": 8,  # FCM HTTP v1
    "websocket_management": 9,  # API Gateway Management API (/@connections/{id}), chat page
    "web": 10,  # unsubscribe and provider webhooks (campaign safety)
}


@dataclass(frozen=True)
class StackContext:
    home: Path
    stage: str
    base_port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.base_port}"

    def port(self, name: str) -> int:
        return self.base_port + PORT_OFFSETS[name]


class Component(Protocol):
    """A component may also answer `alive() -> bool`: the daemon's supervisor then restarts
    it (stop, then start with the same context) when it answers False (decision 0082)."""

    name: str

    def start(self, context: StackContext) -> dict[str, str]: ...

    def stop(self) -> None: ...


def ports(base_port: int) -> dict[str, int]:
    return {name: base_port + offset for name, offset in PORT_OFFSETS.items()}


def endpoint_settings(base_port: int, stage: str = "local") -> dict[str, str]:
    """The settings that point a process at the stack on base_port: the AWS APIs, the
    function runtime, every email provider, every messaging channel and the WebSocket API's
    management endpoint (its path names the stage, as on AWS), so no client can reach the real
    ones."""
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports(base_port).items()}
    return {
        "endpoint_url": url["aws"],
        "lambda_endpoint_url": url["lambda"],
        "ses_endpoint_url": url["ses"],
        "resend_api_url": url["resend"],
        "sendgrid_api_url": url["sendgrid"],
        "sms_endpoint_url": url["sms"],
        "whatsapp_api_url": url["whatsapp"],
        "fcm_api_url": url["push"],
        "websocket_management_url": f"{url['websocket_management']}/{stage}",
        "public_base_url": url["web"],  # the HTTP API: unsubscribe links, provider webhooks
    }


def pointed_at(settings: Settings, base_port: int) -> Settings:
    """settings, with every endpoint it leaves unset pointed at the stack on base_port, and
    the stack's own keys (from its directory) unless some are given."""
    from pydantic import SecretStr

    from tctfmsg.local import state

    pointing: dict[str, object] = dict(endpoint_settings(base_port, settings.stage))
    keys = state.credentials(settings.local_dir)
    if keys is not None and settings.local_access_key_id is None:
        pointing["local_access_key_id"] = keys.access_key_id
        pointing["local_secret_access_key"] = SecretStr(keys.secret_access_key)
    unset = {k: v for k, v in pointing.items() if getattr(settings, k) is None}
    return settings.model_copy(update=unset)
