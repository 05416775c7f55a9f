"""The SMS channel through boto3's pinpoint-sms-voice-v2 client, unchanged, against the local
End User Messaging SMS endpoint: what it sends, and how each answer is told."""

from __future__ import annotations

import pytest
import requests

from tctfmsg.communication.adapters.sms import SmsChannel
from tctfmsg.communication.ports import ChannelUnavailable, RecipientUnreachable
from tctfmsg.local.providers.base import Fault
from tests.integration.channels.channel_endpoints import (
    outgoing,
    sms_client,
)
from tests.support.ports import free_port


def test_sms_is_sent_transactional_with_the_notification_as_context(sms_endpoint) -> None:
    endpoint, url = sms_endpoint
    channel = SmsChannel(sms_client(url), "+15550001111", "transactional")

    receipt = channel.send(outgoing("+447700900123"))

    [recorded] = endpoint.outbox.snapshot()
    assert receipt.provider == "end-user-messaging-sms"
    assert recorded["id"] == receipt.message_id
    assert recorded["channel"] == "sms" and recorded["provider"] == "end-user-messaging-sms"
    assert recorded["to"] == "+447700900123" and recorded["type"] == "mfa_code"
    assert recorded["text"] == "Your code is 123456"
    assert recorded["message_type"] == "TRANSACTIONAL"
    assert recorded["origination_identity"] == "+15550001111"
    assert recorded["configuration_set"] == "transactional"
    assert recorded["context"] == {"notification_id": "n-1", "type": "mfa_code"}


def test_a_number_that_is_not_e164_is_unreachable_and_nothing_is_sent(sms_endpoint) -> None:
    endpoint, url = sms_endpoint

    with pytest.raises(RecipientUnreachable, match="ValidationException") as caught:
        SmsChannel(sms_client(url)).send(outgoing("07700 900123"))

    assert caught.value.forget is False
    assert endpoint.outbox.snapshot() == []


def test_an_opted_out_number_is_unreachable_by_its_conflict_reason(sms_endpoint) -> None:
    endpoint, url = sms_endpoint
    requests.put(f"{url}/_local/opted_out", json={"phone": "+447700900124"}, timeout=5)

    with pytest.raises(RecipientUnreachable, match="DESTINATION_PHONE_NUMBER_OPTED_OUT"):
        SmsChannel(sms_client(url)).send(outgoing("+447700900124"))

    assert endpoint.outbox.snapshot() == []


def test_an_outage_is_unavailable(sms_endpoint) -> None:
    endpoint, url = sms_endpoint
    endpoint.fault = Fault("down")

    with pytest.raises(ChannelUnavailable, match="InternalServerException"):
        SmsChannel(sms_client(url)).send(outgoing("+447700900123"))


def test_throttling_is_unavailable_with_a_time_to_come_back(sms_endpoint) -> None:
    endpoint, url = sms_endpoint
    endpoint.fault = Fault("throttle")

    with pytest.raises(ChannelUnavailable, match="ThrottlingException") as caught:
        SmsChannel(sms_client(url)).send(outgoing("+447700900123"))

    assert caught.value.retry_after_s == 1.0
    assert endpoint.outbox.snapshot() == []


def test_nothing_listening_is_unavailable() -> None:
    channel = SmsChannel(sms_client(f"http://127.0.0.1:{free_port()}"))

    with pytest.raises(ChannelUnavailable, match="sms unavailable"):
        channel.send(outgoing("+447700900123"))


def test_the_endpoint_refuses_an_unsigned_request(sms_endpoint) -> None:
    endpoint, url = sms_endpoint

    answer = requests.post(
        url,
        data=b'{"DestinationPhoneNumber": "+447700900123", "MessageBody": "hi"}',
        headers={"X-Amz-Target": "PinpointSMSVoiceV2.SendTextMessage"},
        timeout=5,
    )

    assert answer.status_code == 403
    assert answer.json()["__type"] == "MissingAuthenticationTokenException"
    assert endpoint.outbox.snapshot() == []
