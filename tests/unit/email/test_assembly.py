"""Where the adapters point: the settings' endpoints locally (and never a real provider), the
real APIs in AWS, explicit settings over both."""

from __future__ import annotations

import pytest

from tctfmsg.core import settings
from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import ConfigurationError, StackNotRunning
from tctfmsg.email.assembly import provider_endpoints
from tctfmsg.local.components import pointed_at


def test_local_mode_points_every_adapter_at_the_stack_ports() -> None:
    clients = Clients(pointed_at(settings.load(target="local"), 40000))

    endpoints = provider_endpoints(clients)

    assert endpoints.ses == "http://127.0.0.1:40004"
    assert endpoints.resend == "http://127.0.0.1:40001"
    assert endpoints.sendgrid == "http://127.0.0.1:40002"


def test_local_mode_without_provider_endpoints_refuses_rather_than_reach_a_real_api() -> None:
    clients = Clients(settings.load(target="local", endpoint_url="http://127.0.0.1:40000"))

    with pytest.raises(ConfigurationError, match="resend_api_url"):
        provider_endpoints(clients)


def test_aws_mode_uses_the_real_apis_and_the_sdk_endpoint_for_ses() -> None:
    clients = Clients(settings.load(target="aws", stage="prod"))

    endpoints = provider_endpoints(clients)

    assert endpoints.ses is None
    assert endpoints.resend == "https://api.resend.com"
    assert endpoints.sendgrid == "https://api.sendgrid.com"


def test_explicit_settings_win() -> None:
    explicit = settings.load(target="local", resend_api_url="http://127.0.0.1:9999")

    assert (
        provider_endpoints(Clients(pointed_at(explicit, 40000))).resend == "http://127.0.0.1:9999"
    )


def test_local_mode_with_no_stack_says_the_stack_is_not_running() -> None:
    with pytest.raises(StackNotRunning):
        provider_endpoints(Clients(settings.load(target="local")))
