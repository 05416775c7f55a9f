"""The push channel against the local FCM v1 endpoint: the message it sends, a dead token
forgotten, and FCM's errors told apart by their FcmError code."""

from __future__ import annotations

import pytest
import requests

from tctfmsg.communication.adapters.push import FcmPushChannel
from tctfmsg.communication.ports import ChannelUnavailable, RecipientUnreachable
from tctfmsg.local.providers.base import Fault
from tests.integration.channels.channel_endpoints import (
    KEYS,
    outgoing,
)

DEVICE = "dGVzdC1kZXZpY2U:APA91bH-local_token.1"


def channel(url: str, token: str = KEYS["fcm_token"], **kwargs) -> FcmPushChannel:
    return FcmPushChannel(lambda: token, lambda: KEYS["fcm_project"], url, timeout_s=2, **kwargs)


def test_a_push_carries_title_body_and_the_notification_as_data(fcm_endpoint) -> None:
    endpoint, url = fcm_endpoint

    receipt = channel(url).send(outgoing(DEVICE, "push"))

    [recorded] = endpoint.outbox.snapshot()
    assert receipt.provider == "fcm"
    assert receipt.message_id == recorded["id"]
    assert receipt.message_id.startswith("projects/tctfmsg-local/messages/")
    assert recorded["channel"] == "push" and recorded["provider"] == "fcm"
    assert recorded["to"] == DEVICE and recorded["type"] == "mfa_code"
    assert recorded["subject"] == "Sign-in code" and recorded["text"] == "Your code is 123456"
    assert recorded["data"] == {"notification_id": "n-1", "type": "mfa_code"}


def test_an_unregistered_token_is_unreachable_and_to_be_forgotten(fcm_endpoint) -> None:
    endpoint, url = fcm_endpoint
    requests.put(f"{url}/_local/unregistered", json={"token": DEVICE}, timeout=5)

    with pytest.raises(RecipientUnreachable, match="UNREGISTERED \\(404\\)") as caught:
        channel(url).send(outgoing(DEVICE, "push"))

    assert caught.value.forget is True
    assert endpoint.outbox.snapshot() == []


def test_a_malformed_token_is_unreachable_but_not_forgotten(fcm_endpoint) -> None:
    _, url = fcm_endpoint

    with pytest.raises(RecipientUnreachable, match="INVALID_ARGUMENT \\(400\\)") as caught:
        channel(url).send(outgoing("not a token", "push"))

    assert caught.value.forget is False


def test_a_wrong_access_token_is_refused_unavailable(fcm_endpoint) -> None:
    endpoint, url = fcm_endpoint
    refreshed: list[bool] = []

    with pytest.raises(ChannelUnavailable, match="UNAUTHENTICATED \\(401\\)"):
        channel(url, "wrong", on_auth_failure=lambda: refreshed.append(True)).send(
            outgoing(DEVICE, "push")
        )

    assert refreshed == [True]
    assert endpoint.outbox.snapshot() == []


def test_quota_exceeded_is_unavailable_for_as_long_as_fcm_says(fcm_endpoint) -> None:
    endpoint, url = fcm_endpoint
    endpoint.fault = Fault("throttle")

    with pytest.raises(ChannelUnavailable, match="QUOTA_EXCEEDED \\(429\\)") as caught:
        channel(url).send(outgoing(DEVICE, "push"))

    assert caught.value.retry_after_s == 1.0


def test_an_outage_is_unavailable(fcm_endpoint) -> None:
    endpoint, url = fcm_endpoint
    endpoint.fault = Fault("down")

    with pytest.raises(ChannelUnavailable, match="UNAVAILABLE \\(503\\)"):
        channel(url).send(outgoing(DEVICE, "push"))
