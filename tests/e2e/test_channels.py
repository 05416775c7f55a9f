"""The messaging channels' endpoints on the embedded stack, as an operator and the SDK see them:
listed by `local status`, spoken to by boto3 unchanged, shown by `local outbox --channel`, and
broken by `local fault`."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from tctfmsg.local import state

CHANNELS = ("sms", "whatsapp", "push")


def sms_client(url: str, stack, secret: str | None = None):  # type: ignore[no-untyped-def]
    """Signed with the stack's own keys (or the right key id with another `secret`)."""
    keys = state.credentials(stack.home / "local")
    assert keys is not None
    session = boto3.session.Session(
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=secret or keys.secret_access_key,
        region_name="us-east-1",
    )
    config = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=10)
    return session.client("pinpoint-sms-voice-v2", endpoint_url=url, config=config)


def endpoints(stack) -> dict[str, str]:
    return json.loads(stack.cli("local", "status", "--json", check=True).stdout)["endpoints"]


def test_status_lists_the_sms_whatsapp_and_push_endpoints(stack) -> None:
    listed = endpoints(stack)

    for name in CHANNELS:
        assert listed[name].startswith("http://127.0.0.1:")


def test_boto3_sends_an_sms_that_the_outbox_shows_on_the_sms_channel(stack) -> None:
    number = f"+4477009{uuid.uuid4().int % 10**5:05d}"
    client = sms_client(endpoints(stack)["sms"], stack)

    sent = client.send_text_message(
        DestinationPhoneNumber=number,
        MessageBody="Your code is 424242",
        MessageType="TRANSACTIONAL",
        Context={"type": "mfa_code", "notification_id": "n-e2e"},
    )

    shown = stack.cli("local", "outbox", "--channel", "sms", "--to", number, "--json", check=True)
    [message] = json.loads(shown.stdout)
    assert message["id"] == sent["MessageId"]
    assert message["channel"] == "sms" and message["provider"] == "end-user-messaging-sms"
    assert message["to"] == number and message["type"] == "mfa_code"
    assert message["text"] == "Your code is 424242"


def test_the_sms_api_answers_only_requests_signed_with_the_stacks_keys(stack) -> None:
    url = endpoints(stack)["sms"]
    forged = sms_client(url, stack, secret="not-the-stacks-secret")
    with pytest.raises(ClientError) as caught:
        forged.send_text_message(DestinationPhoneNumber="+447700900123", MessageBody="hi")
    unsigned = requests.post(url + "/", data=b"{}", timeout=10)

    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert unsigned.status_code == 403
    shown = stack.cli("local", "outbox", "--channel", "sms", "--to", "+447700900123", "--json")
    assert json.loads(shown.stdout) == []


def test_fault_sms_down_makes_boto3_see_the_services_error_until_up(stack) -> None:
    client = sms_client(endpoints(stack)["sms"], stack)
    stack.cli("local", "fault", "sms", "--down", check=True)
    try:
        with pytest.raises(ClientError) as caught:
            client.send_text_message(DestinationPhoneNumber="+447700900001", MessageBody="x")
    finally:
        stack.cli("local", "fault", "sms", "--up", check=True)

    assert caught.value.response["Error"]["Code"] == "InternalServerException"
    assert client.send_text_message(DestinationPhoneNumber="+447700900001", MessageBody="x")
