"""The WhatsApp channel against the local Cloud API endpoint: template and text messages, and
Meta's error codes told apart (HTTP 400 carries most of them)."""

from __future__ import annotations

import pytest
import requests

from tctfmsg.communication.adapters.whatsapp import WhatsAppChannel
from tctfmsg.communication.ports import ChannelUnavailable, RecipientUnreachable
from tctfmsg.local.providers.base import Fault
from tests.integration.channels.channel_endpoints import (
    KEYS,
    outgoing,
)


def channel(url: str, token: str = KEYS["whatsapp_token"], **kwargs) -> WhatsAppChannel:
    return WhatsAppChannel(
        lambda: token, lambda: KEYS["whatsapp_phone_number_id"], url, timeout_s=2, **kwargs
    )


def test_a_template_message_is_named_after_the_type_with_named_parameters(
    whatsapp_endpoint,
) -> None:
    endpoint, url = whatsapp_endpoint
    message = outgoing(
        "+447700900123", "whatsapp", locale="en_GB", data={"name": "Ada", "code": "123456"}
    )

    receipt = channel(url).send(message)

    [recorded] = endpoint.outbox.snapshot()
    assert receipt.provider == "whatsapp-cloud" and receipt.message_id.startswith("wamid.")
    assert recorded["id"] == receipt.message_id
    assert recorded["channel"] == "whatsapp" and recorded["provider"] == "whatsapp-cloud"
    assert recorded["to"] == "+447700900123" and recorded["type"] == "mfa_code"
    assert recorded["language"] == "en_GB"
    assert list(recorded["parameters"].items()) == [("code", "123456"), ("name", "Ada")]


def test_without_template_data_the_text_is_sent(whatsapp_endpoint) -> None:
    endpoint, url = whatsapp_endpoint

    channel(url).send(outgoing("+447700900123", "whatsapp"))

    [recorded] = endpoint.outbox.snapshot()
    assert recorded["text"] == "Your code is 123456" and recorded["type"] is None


def test_an_undeliverable_number_is_unreachable(whatsapp_endpoint) -> None:
    endpoint, url = whatsapp_endpoint
    requests.put(f"{url}/_local/undeliverable", json={"to": "+447700900125"}, timeout=5)

    with pytest.raises(RecipientUnreachable, match="131026") as caught:
        channel(url).send(outgoing("+447700900125", "whatsapp"))

    assert caught.value.forget is False
    assert endpoint.outbox.snapshot() == []


def test_a_template_name_whatsapp_cannot_have_is_unreachable(whatsapp_endpoint) -> None:
    _, url = whatsapp_endpoint

    with pytest.raises(RecipientUnreachable, match="132001"):
        channel(url).send(outgoing("+447700900123", "whatsapp", type="MFA-Code", data={"a": "b"}))


def test_a_wrong_token_is_refused_unavailable_and_the_token_read_afresh(
    whatsapp_endpoint,
) -> None:
    endpoint, url = whatsapp_endpoint
    refreshed: list[bool] = []

    with pytest.raises(ChannelUnavailable, match="code 190 \\(401\\)"):
        channel(url, "wa_wrong", on_auth_failure=lambda: refreshed.append(True)).send(
            outgoing("+447700900123", "whatsapp")
        )

    assert refreshed == [True]
    assert endpoint.outbox.snapshot() == []


def test_the_rate_limit_code_is_unavailable_though_the_status_is_400(whatsapp_endpoint) -> None:
    endpoint, url = whatsapp_endpoint
    endpoint.fault = Fault("throttle")

    with pytest.raises(ChannelUnavailable, match="130429") as caught:
        channel(url).send(outgoing("+447700900123", "whatsapp"))

    assert caught.value.retry_after_s == 1.0


def test_an_outage_is_unavailable(whatsapp_endpoint) -> None:
    endpoint, url = whatsapp_endpoint
    endpoint.fault = Fault("down")

    with pytest.raises(ChannelUnavailable, match="503"):
        channel(url).send(outgoing("+447700900123", "whatsapp"))


def test_a_slow_answer_past_the_timeout_is_unavailable(whatsapp_endpoint) -> None:
    endpoint, url = whatsapp_endpoint
    endpoint.fault = Fault("up", slow_ms=600)

    with pytest.raises(ChannelUnavailable, match="no answer within"):
        WhatsAppChannel(
            lambda: KEYS["whatsapp_token"], lambda: "100000000000001", url, timeout_s=0.2
        ).send(outgoing("+447700900123", "whatsapp"))
