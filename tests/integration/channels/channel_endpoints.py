"""What the channel adapters' tests build: a message, and a boto3 client as the worker's."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from tctfmsg.communication.ports import Outgoing
from tctfmsg.core import resources

KEYS = resources.secret("messaging_keys").local_value


def outgoing(to: str, channel: str = "sms", **fields: Any) -> Outgoing:
    values: dict[str, Any] = {
        "notification_id": "n-1",
        "type": "mfa_code",
        "channel": channel,
        "to": to,
        "text": "Your code is 123456",
        "subject": "Sign-in code",
        **fields,
    }
    return Outgoing(**values)


def sms_client(url: str) -> Any:
    """A client as the worker's: no SDK retries, short timeouts."""
    session = boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
    )
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2, read_timeout=2
    )
    return session.client("pinpoint-sms-voice-v2", endpoint_url=url, config=config)
