"""The backbone's adapters against moto and against the embedded stack's provider endpoints,
started in-process on free ports (never the real Resend or SendGrid)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tctfmsg.core import resources
from tctfmsg.local.providers.resend import ResendEndpoint
from tctfmsg.local.providers.sendgrid import SendGridEndpoint
from tests.support.ports import free_port

KEYS = resources.secret("provider_keys").local_value


@pytest.fixture
def resend_endpoint() -> Iterator[tuple[ResendEndpoint, str]]:
    endpoint = ResendEndpoint(KEYS["resend"])
    url = endpoint.start(free_port())
    yield endpoint, url
    endpoint.stop()


@pytest.fixture
def sendgrid_endpoint() -> Iterator[tuple[SendGridEndpoint, str]]:
    endpoint = SendGridEndpoint(KEYS["sendgrid"])
    url = endpoint.start(free_port())
    yield endpoint, url
    endpoint.stop()


@pytest.fixture
def tables(provisioned: dict[str, Any]) -> dict[str, Any]:
    return {
        "dynamodb": provisioned["dynamodb"],
        "breakers": resources.table("breakers").physical_name("test"),
        "config": resources.table("config").physical_name("test"),
    }


@pytest.fixture
def ses_clients(aws: None) -> tuple[Any, Any]:
    v1 = boto3.client("ses")
    v1.verify_domain_identity(Domain="tctfmsg.local")
    return boto3.client("sesv2"), v1
