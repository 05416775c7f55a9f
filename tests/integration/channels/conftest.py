"""The embedded stack's messaging endpoints started in-process on free ports, with the local
credentials (never a real API), for the channel adapters' tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tctfmsg.local.providers.fcm import FcmEndpoint
from tctfmsg.local.providers.sms import SmsEndpoint
from tctfmsg.local.providers.whatsapp import WhatsAppEndpoint
from tests.integration.channels.channel_endpoints import KEYS
from tests.support.ports import free_port


@pytest.fixture
def sms_endpoint() -> Iterator[tuple[SmsEndpoint, str]]:
    endpoint = SmsEndpoint()
    url = endpoint.start(free_port())
    yield endpoint, url
    endpoint.stop()


@pytest.fixture
def whatsapp_endpoint() -> Iterator[tuple[WhatsAppEndpoint, str]]:
    endpoint = WhatsAppEndpoint(KEYS["whatsapp_token"], KEYS["whatsapp_phone_number_id"])
    url = endpoint.start(free_port())
    yield endpoint, url
    endpoint.stop()


@pytest.fixture
def fcm_endpoint() -> Iterator[tuple[FcmEndpoint, str]]:
    endpoint = FcmEndpoint(KEYS["fcm_token"], KEYS["fcm_project"])
    url = endpoint.start(free_port())
    yield endpoint, url
    endpoint.stop()
