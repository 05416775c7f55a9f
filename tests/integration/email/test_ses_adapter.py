"""The SES adapter against moto: simple and hosted-template sends on sesv2 (the latter answered
by the embedded stack's moto patch, 0084), and through the embedded stack's fault proxy in front
of a moto server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tctfmsg.core import settings
from tctfmsg.core.clients import Clients
from tctfmsg.email.message import ProviderUnavailable, RecipientRejected
from tctfmsg.email.providers.ses import SesProvider
from tctfmsg.local import moto_patches
from tctfmsg.local.providers.base import Fault
from tctfmsg.local.providers.ses import SesProxy
from tests.support.ports import free_port
from tests.unit.email.fakes import message


def sent_by_moto() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://u.example/?token=T>, <mailto:u@tctfmsg.local?subject=T>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def test_simple_send_goes_through_sesv2(ses_clients) -> None:
    provider = SesProvider(ses_clients[0])

    receipt = provider.send(message(tags={"campaign": "c1"}))

    [sent] = sent_by_moto()
    assert receipt.provider == "ses" and receipt.message_id == sent.id
    assert sent.destinations["ToAddresses"] == ["ada@example.com"]


def test_hosted_template_send_goes_through_sesv2_with_its_headers(ses_clients) -> None:
    sesv2, v1 = ses_clients
    v1.create_template(
        Template={"TemplateName": "welcome", "SubjectPart": "Hi {{name}}", "TextPart": "t"}
    )
    provider = SesProvider(sesv2)

    receipt = provider.send(
        message(ses_template="welcome", template_data={"name": "Ada"}, headers=UNSUBSCRIBE)
    )

    [sent] = sent_by_moto()
    assert receipt.message_id == sent.id
    assert (sent.template, sent.template_data) == ("welcome", {"name": "Ada"})
    assert sent.subject == "Hi Ada"
    assert sent.headers == UNSUBSCRIBE


def test_unverified_sender_is_rejected_by_code(ses_clients) -> None:
    provider = SesProvider(ses_clients[0])

    with pytest.raises(RecipientRejected, match="MessageRejected"):
        provider.send(message(sender="someone@unverified.example"))


def test_missing_hosted_template_is_unavailable_so_another_provider_sends(ses_clients) -> None:
    provider = SesProvider(ses_clients[0])

    with pytest.raises(ProviderUnavailable, match="NotFoundException"):
        provider.send(message(ses_template="nope"))


@pytest.fixture
def proxied() -> Iterator[tuple[SesProxy, SesProvider]]:
    """SES through the fault proxy in front of a moto server, on the clients the composition
    root builds for the send path (one attempt, short read timeout)."""
    moto_port, proxy_port = free_port(), free_port()
    with moto_patches.applied():  # the moto the embedded stack runs
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        server.start()
        proxy = SesProxy(f"http://127.0.0.1:{moto_port}")
        url = proxy.start(proxy_port)
        moto_url = f"http://127.0.0.1:{moto_port}"
        runtime = Clients(settings.load(target="local", endpoint_url=moto_url))
        runtime.client("ses").verify_domain_identity(Domain="tctfmsg.local")
        sesv2 = runtime.send_client("sesv2", url, timeout_s=0.5)
        try:
            yield proxy, SesProvider(sesv2)
        finally:
            proxy.stop()
            server.stop()


def test_proxy_forwards_to_moto_and_records_the_send(proxied) -> None:
    proxy, provider = proxied

    receipt = provider.send(message(tags={"bench": "7"}))

    [recorded] = proxy.outbox.snapshot()
    assert recorded["id"] == receipt.message_id
    assert recorded["tags"] == {"bench": "7"}


def test_proxy_records_a_templated_send_with_its_headers(proxied) -> None:
    proxy, provider = proxied
    template = {"TemplateName": "hello", "SubjectPart": "Hi {{name}}", "TextPart": "t"}
    boto3.client(
        "ses", endpoint_url=proxy.upstream, region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    ).create_template(Template=template)  # fmt: skip

    receipt = provider.send(
        message(ses_template="hello", template_data={"name": "Ada"}, headers=UNSUBSCRIBE)
    )

    [recorded] = proxy.outbox.snapshot()
    assert recorded["id"] == receipt.message_id
    assert recorded["subject"] == "(template hello)"
    assert recorded["headers"] == UNSUBSCRIBE


def test_proxy_outage_makes_ses_unavailable(proxied) -> None:
    proxy, provider = proxied
    proxy.fault = Fault("down")

    with pytest.raises(ProviderUnavailable, match="503"):
        provider.send(message())

    assert proxy.outbox.snapshot() == []


def test_proxy_throttling_is_ses_maximum_sending_rate(proxied) -> None:
    proxy, provider = proxied
    proxy.fault = Fault("throttle")

    with pytest.raises(ProviderUnavailable, match="TooManyRequestsException") as caught:
        provider.send(message())

    assert caught.value.retry_after_s == 1.0


def test_a_timed_out_send_is_not_retried_by_the_sdk(proxied) -> None:
    proxy, provider = proxied
    proxy.fault = Fault("up", slow_ms=1000)

    with pytest.raises(ProviderUnavailable) as caught:
        provider.send(message())
    time.sleep(2.0)  # what the proxy was still holding has reached moto by now

    assert caught.value.uncertain is True
    assert len(proxy.outbox.snapshot()) == 1  # the late delivery, and no second attempt
