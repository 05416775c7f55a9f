"""What stands in front of the channels, on moto's DynamoDB: the breaker every process shares
(opened by outages, never by a dead address, honouring a Retry-After) and the per-recipient
SMS rate limit (SMS pumping protection)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tctfmsg.communication.adapters.guards import BreakerChannel, RateLimitedChannel
from tctfmsg.communication.adapters.rate_windows import DynamoRateWindows
from tctfmsg.communication.adapters.sms import SmsChannel
from tctfmsg.communication.adapters.whatsapp import WhatsAppChannel
from tctfmsg.communication.ports import ChannelUnavailable, RecipientUnreachable
from tctfmsg.core import resources
from tctfmsg.email.breaker_storage import DynamoBreakerStorage
from tctfmsg.local.providers.base import Fault
from tests.integration.channels.channel_endpoints import (
    KEYS,
    outgoing,
    sms_client,
)
from tests.unit.email.fakes import FakeClock

BREAKERS = resources.table("breakers").physical_name("test")
WINDOWS = resources.table("rate_windows").physical_name("test")


def guarded_whatsapp(url: str, dynamodb: Any, fail_max: int = 2) -> BreakerChannel:
    whatsapp = WhatsAppChannel(
        lambda: KEYS["whatsapp_token"], lambda: KEYS["whatsapp_phone_number_id"], url, 2
    )
    storage = DynamoBreakerStorage("whatsapp", BREAKERS, dynamodb, max_age_s=0)
    return BreakerChannel(whatsapp, storage, fail_max=fail_max, reset_timeout_s=60)


# the breaker


def test_outages_open_the_breaker_and_then_nothing_is_called(
    provisioned, whatsapp_endpoint
) -> None:
    endpoint, url = whatsapp_endpoint
    first = guarded_whatsapp(url, provisioned["dynamodb"])
    endpoint.fault = Fault("down")
    for _ in range(2):
        with pytest.raises(ChannelUnavailable, match="503"):
            first.send(outgoing("+447700900123", "whatsapp"))
    endpoint.fault = Fault("up")

    with pytest.raises(ChannelUnavailable, match="breaker open") as caught:
        guarded_whatsapp(url, provisioned["dynamodb"]).send(outgoing("+447700900123", "whatsapp"))

    assert 0 < (caught.value.retry_after_s or 0) <= 60
    assert endpoint.outbox.snapshot() == []  # another process's channel saw it open too


def test_unreachable_recipients_never_open_the_breaker(provisioned, whatsapp_endpoint) -> None:
    endpoint, url = whatsapp_endpoint
    channel = guarded_whatsapp(url, provisioned["dynamodb"])
    for _ in range(3):
        with pytest.raises(RecipientUnreachable):
            channel.send(outgoing("not a number", "whatsapp"))

    channel.send(outgoing("+447700900123", "whatsapp"))

    assert len(endpoint.outbox.snapshot()) == 1


def test_a_throttled_channel_is_not_called_again_before_its_retry_after(
    provisioned, whatsapp_endpoint
) -> None:
    endpoint, url = whatsapp_endpoint
    channel = guarded_whatsapp(url, provisioned["dynamodb"], fail_max=5)
    endpoint.fault = Fault("throttle")
    with pytest.raises(ChannelUnavailable, match="130429"):
        channel.send(outgoing("+447700900123", "whatsapp"))
    endpoint.fault = Fault("up")

    with pytest.raises(ChannelUnavailable, match="asked to wait") as caught:
        channel.send(outgoing("+447700900123", "whatsapp"))

    assert 0 < (caught.value.retry_after_s or 0) <= 1
    assert endpoint.outbox.snapshot() == []


# the SMS rate limit


def test_past_the_hourly_limit_a_number_is_refused_and_nothing_is_sent(
    provisioned, sms_endpoint
) -> None:
    endpoint, url = sms_endpoint
    clock = FakeClock()
    windows = DynamoRateWindows(WINDOWS, provisioned["dynamodb"])
    channel = RateLimitedChannel(SmsChannel(sms_client(url)), windows, per_hour=2, clock=clock)
    for _ in range(2):
        channel.send(outgoing("+447700900123"))

    with pytest.raises(RecipientUnreachable, match="rate limited") as caught:
        channel.send(outgoing("+447700900123"))
    channel.send(outgoing("+447700900999"))  # another number has its own count

    assert caught.value.forget is False
    assert [m["to"] for m in endpoint.outbox.snapshot()] == [
        "+447700900123", "+447700900123", "+447700900999",
    ]  # fmt: skip
    clock.advance(3600)
    channel.send(outgoing("+447700900123"))  # the next hour's window
    assert len(endpoint.outbox.snapshot()) == 4
    stored = provisioned["dynamodb"].scan(TableName=WINDOWS)["Items"]
    assert len(stored) == 3 and "900123" not in str(stored)  # digests, never numbers


def test_the_window_counts_in_one_conditional_write_and_expires(provisioned) -> None:
    dynamodb = provisioned["dynamodb"]
    windows = DynamoRateWindows(WINDOWS, dynamodb)
    at = FakeClock().now()

    taken = [windows.take("sms:k", 3, 3600, at + timedelta(seconds=i)) for i in range(5)]

    assert taken == [True, True, True, False, False]
    [item] = dynamodb.scan(TableName=WINDOWS)["Items"]
    start = int(at.timestamp()) // 3600 * 3600
    assert item["sends"] == {"N": "3"}  # refused takes are not counted
    assert item["expires_at"] == {"N": str(start + 7200)}


def test_unreadable_rate_windows_make_sms_unavailable_not_unlimited(
    provisioned, sms_endpoint
) -> None:
    endpoint, url = sms_endpoint
    windows = DynamoRateWindows("no-such-table", provisioned["dynamodb"])
    channel = RateLimitedChannel(SmsChannel(sms_client(url)), windows, per_hour=5)

    with pytest.raises(ChannelUnavailable, match="rate windows unreadable"):
        channel.send(outgoing("+447700900123"))

    assert endpoint.outbox.snapshot() == []
