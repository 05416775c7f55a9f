"""Adapters against moto in-process (mock_aws): real botocore, no network."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tctfmsg.local import moto_patches
from tctfmsg.local.provision import provision


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ENDPOINT_URL", "TCTFMSG_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # The moto the embedded stack runs (decisions 0002 and 0046), for this test only.
    with moto_patches.applied(), mock_aws():
        yield


@pytest.fixture
def provisioned(aws: None) -> dict[str, Any]:
    clients = {s: boto3.client(s) for s in ("dynamodb", "sqs", "secretsmanager")}
    provision("test", clients["dynamodb"], clients["sqs"], clients["secretsmanager"])
    return clients
