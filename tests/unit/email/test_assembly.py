"""Where the adapters point: the embedded stack's endpoints locally, the real APIs in AWS,
explicit settings over both."""

from __future__ import annotations

from tctfmsg import settings
from tctfmsg.adapters.email.assembly import provider_endpoints
from tctfmsg.bootstrap import Runtime


def test_local_mode_points_every_adapter_at_the_stack_ports() -> None:
    runtime = Runtime(settings.load(target="local", endpoint_url="http://127.0.0.1:40000"))

    endpoints = provider_endpoints(runtime)

    assert endpoints.ses == "http://127.0.0.1:40004"
    assert endpoints.resend == "http://127.0.0.1:40001"
    assert endpoints.sendgrid == "http://127.0.0.1:40002"


def test_aws_mode_uses_the_real_apis_and_the_sdk_endpoint_for_ses() -> None:
    runtime = Runtime(settings.load(target="aws", stage="prod"))

    endpoints = provider_endpoints(runtime)

    assert endpoints.ses is None
    assert endpoints.resend == "https://api.resend.com"
    assert endpoints.sendgrid == "https://api.sendgrid.com"


def test_explicit_settings_win() -> None:
    runtime = Runtime(
        settings.load(
            target="local",
            endpoint_url="http://127.0.0.1:40000",
            resend_api_url="http://127.0.0.1:9999",
        )
    )

    assert provider_endpoints(runtime).resend == "http://127.0.0.1:9999"
