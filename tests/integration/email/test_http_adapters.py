"""Resend and SendGrid adapters against the local endpoints that speak their APIs."""

from __future__ import annotations

import pytest

from tctfmsg.email.message import ProviderUnavailable, RecipientRejected
from tctfmsg.email.providers.resend import ResendProvider
from tctfmsg.email.providers.sendgrid import SendGridProvider
from tctfmsg.local.providers.base import Fault
from tests.integration.email.conftest import KEYS
from tests.unit.email.fakes import message


def test_resend_delivers_and_the_endpoint_records_it(resend_endpoint) -> None:
    endpoint, url = resend_endpoint
    provider = ResendProvider(lambda: KEYS["resend"], url, timeout_s=2)

    receipt = provider.send(message(tags={"campaign": "c1"}, idempotency_key="k1"))

    [recorded] = endpoint.outbox.snapshot()
    assert recorded["id"] == receipt.message_id
    assert recorded["to"] == "ada@example.com"
    assert recorded["tags"] == {"campaign": "c1"}
    assert recorded["idempotency_key"] == "k1"


def test_resend_same_idempotency_key_is_delivered_once(resend_endpoint) -> None:
    endpoint, url = resend_endpoint
    provider = ResendProvider(lambda: KEYS["resend"], url, timeout_s=2)

    first = provider.send(message(idempotency_key="same"))
    again = provider.send(message(idempotency_key="same"))

    assert again.message_id == first.message_id
    assert len(endpoint.outbox.snapshot()) == 1


def test_resend_invalid_recipient_is_rejected_not_unavailable(resend_endpoint) -> None:
    _, url = resend_endpoint
    provider = ResendProvider(lambda: KEYS["resend"], url, timeout_s=2)

    with pytest.raises(RecipientRejected, match="validation_error"):
        provider.send(message("not an address"))


def test_resend_wrong_key_is_unavailable(resend_endpoint) -> None:
    _, url = resend_endpoint

    with pytest.raises(ProviderUnavailable, match="invalid_api_key"):
        ResendProvider(lambda: "re_wrong", url, timeout_s=2).send(message())


def test_resend_throttled_honours_retry_after(resend_endpoint) -> None:
    endpoint, url = resend_endpoint
    endpoint.fault = Fault("throttle")

    with pytest.raises(ProviderUnavailable) as caught:
        ResendProvider(lambda: KEYS["resend"], url, timeout_s=2).send(message())

    assert caught.value.retry_after_s == 1
    assert endpoint.outbox.snapshot() == []


def test_resend_down_is_unavailable(resend_endpoint) -> None:
    endpoint, url = resend_endpoint
    endpoint.fault = Fault("down")

    with pytest.raises(ProviderUnavailable, match="internal_server_error"):
        ResendProvider(lambda: KEYS["resend"], url, timeout_s=2).send(message())


def test_slow_answer_past_the_timeout_is_unavailable_and_uncertain(resend_endpoint) -> None:
    endpoint, url = resend_endpoint
    endpoint.fault = Fault("up", slow_ms=800)

    with pytest.raises(ProviderUnavailable) as caught:
        ResendProvider(lambda: KEYS["resend"], url, timeout_s=0.3).send(message())

    assert caught.value.uncertain is True


def test_sendgrid_delivers_with_202_and_message_id(sendgrid_endpoint) -> None:
    endpoint, url = sendgrid_endpoint
    provider = SendGridProvider(lambda: KEYS["sendgrid"], url, timeout_s=2)

    receipt = provider.send(message(sender="News <news@tctfmsg.local>", tags={"k": "v"}))

    [recorded] = endpoint.outbox.snapshot()
    assert receipt.message_id and recorded["id"] == receipt.message_id
    assert recorded["sender"] == "news@tctfmsg.local"
    assert recorded["tags"] == {"k": "v"}


def test_sendgrid_invalid_recipient_is_rejected(sendgrid_endpoint) -> None:
    _, url = sendgrid_endpoint

    with pytest.raises(RecipientRejected, match="personalizations"):
        SendGridProvider(lambda: KEYS["sendgrid"], url, timeout_s=2).send(message("nobody"))


def test_sendgrid_wrong_key_is_unavailable(sendgrid_endpoint) -> None:
    _, url = sendgrid_endpoint

    with pytest.raises(ProviderUnavailable, match="401"):
        SendGridProvider(lambda: "SG.wrong", url, timeout_s=2).send(message())


def test_sendgrid_throttled_honours_rate_limit_reset(sendgrid_endpoint) -> None:
    endpoint, url = sendgrid_endpoint
    endpoint.fault = Fault("throttle")

    with pytest.raises(ProviderUnavailable) as caught:
        SendGridProvider(lambda: KEYS["sendgrid"], url, timeout_s=2).send(message())

    assert 0 < (caught.value.retry_after_s or 0) <= 1


def test_nothing_listening_is_unavailable_and_certainly_not_delivered() -> None:
    from tests.support.ports import free_port

    provider = ResendProvider(lambda: "k", f"http://127.0.0.1:{free_port()}", timeout_s=1)

    with pytest.raises(ProviderUnavailable) as caught:
        provider.send(message())

    assert caught.value.uncertain is False
