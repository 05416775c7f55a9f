"""Where the channels point and what stands in front of them: the stack's endpoints locally
(never a real API), the real APIs in AWS, each channel behind its breaker, SMS rate-limited."""

from __future__ import annotations

import pytest

from tctfmsg.communication.adapters.channels import build_channels, channel_endpoints
from tctfmsg.communication.adapters.guards import BreakerChannel, RateLimitedChannel
from tctfmsg.communication.adapters.sms import SmsChannel
from tctfmsg.core import settings
from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.local.components import pointed_at
from tests.support.sockets import no_sockets  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("no_sockets")


def test_local_mode_points_every_channel_at_the_stack_ports() -> None:
    endpoints = channel_endpoints(pointed_at(settings.load(target="local"), 40000))

    assert endpoints == {
        "sms": "http://127.0.0.1:40006",
        "whatsapp": "http://127.0.0.1:40007",
        "push": "http://127.0.0.1:40008",
    }


def test_local_mode_without_channel_endpoints_refuses_rather_than_reach_a_real_api() -> None:
    local = settings.load(target="local", endpoint_url="http://127.0.0.1:40000")

    with pytest.raises(ConfigurationError, match=r"sms_endpoint_url.*fcm_api_url") as caught:
        build_channels(Clients(local))

    assert "TCTFMSG_WHATSAPP_API_URL" in str(caught.value)


def test_aws_mode_means_the_real_apis() -> None:
    assert channel_endpoints(settings.load(target="aws", stage="prod")) == {
        "sms": None,
        "whatsapp": None,
        "push": None,
    }


def test_every_channel_is_behind_its_own_shared_breaker_and_sms_is_rate_limited() -> None:
    local = pointed_at(
        settings.load(target="local", sms_per_recipient_per_hour=4, sms_configuration_set="otp"),
        40000,
    )

    channels = build_channels(Clients(local))

    assert set(channels) == {"sms", "whatsapp", "push"}
    for name, channel in channels.items():
        assert isinstance(channel, BreakerChannel) and channel.name == name
        assert channel.storage.name == name  # its item in the breakers table
    sms = channels["sms"]
    assert isinstance(sms, BreakerChannel) and isinstance(sms.channel, RateLimitedChannel)
    assert sms.channel._per_hour == 4
    assert isinstance(sms.channel.channel, SmsChannel)
    assert sms.channel.channel._configuration_set == "otp"
