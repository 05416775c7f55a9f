"""The webhook_keys secret on moto: setting one provider's key keeps every other key."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from tctfmsg.campaigns.adapters.webhook_keys import SecretsWebhookKeys
from tctfmsg.core.errors import NotFound


@mock_aws
def test_setting_one_key_keeps_the_others() -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    before = {"resend": "whsec_old", "sendgrid_local_signing": "private"}
    client.create_secret(Name="keys", SecretString=json.dumps(before))
    keys = SecretsWebhookKeys("keys", client)

    keys.put("sendgrid", "public")

    stored = json.loads(client.get_secret_value(SecretId="keys")["SecretString"])
    assert stored == {**before, "sendgrid": "public"}
    assert keys.configured() == {"resend": True, "sendgrid_local_signing": True, "sendgrid": True}


@mock_aws
def test_a_missing_secret_says_to_deploy_first() -> None:
    keys = SecretsWebhookKeys("absent", boto3.client("secretsmanager", region_name="us-east-1"))
    with pytest.raises(NotFound, match="no secret absent"):
        keys.put("resend", "whsec_x")
