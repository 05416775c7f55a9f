"""The embedded stack answers only requests signed with its own generated keys (decision 0083):
a dummy signature reads nothing (the issue's Scan and GetSecretValue), the function runtime's
Invoke API refuses the same way, the keys are owner-only, and `eval "$(tctfmsg local env)"`
points a user's own boto3 script at the stack."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
import requests
from botocore.exceptions import ClientError

from tests.e2e.conftest import Stack

SCRIPT = (
    "import boto3; "
    "print(len(boto3.client('sqs').list_queues()['QueueUrls'])); "
    "print(boto3.client('ses').list_identities()['Identities'])"
)


def _error(raised: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_an_unsigned_scan_reads_no_subscriber(stack: Stack) -> None:
    scan = requests.post(
        f"http://127.0.0.1:{stack.port}/",
        json={"TableName": "tctfmsg-local-subscribers"},
        headers={
            "X-Amz-Target": "DynamoDB_20120810.Scan",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/"
            "aws4_request, SignedHeaders=host, Signature=" + "0" * 64,
        },
        timeout=20,
    )

    assert scan.status_code == 403
    assert b"Items" not in scan.content


def test_a_client_with_another_secret_gets_no_signing_key(stack: Stack) -> None:
    with pytest.raises(ClientError) as refused:
        stack.aws("secretsmanager", secret="guessed").get_secret_value(
            SecretId="tctfmsg/local/signing_keys"
        )

    assert _error(refused) == (403, "InvalidSignatureException")
    assert stack.aws("secretsmanager").get_secret_value(SecretId="tctfmsg/local/signing_keys")


def test_the_invoke_api_refuses_unsigned_forged_and_browser_requests(stack: Stack) -> None:
    url = f"http://127.0.0.1:{stack.port + 5}/2015-03-31/functions/x/invocations"

    unsigned = requests.post(url, data=b"{}", timeout=20)
    browser = requests.options(url, headers={"Origin": "https://evil.example"}, timeout=20)
    with pytest.raises(ClientError) as forged:
        stack.aws("lambda", "lambda", secret="guessed").invoke(FunctionName="x", Payload=b"{}")
    with pytest.raises(ClientError) as signed:  # past the guard: an unknown function
        stack.aws("lambda", "lambda").invoke(FunctionName="no-such-function", Payload=b"{}")

    assert unsigned.status_code == 403 and browser.status_code == 403
    assert _error(forged) == (403, "InvalidSignatureException")
    assert _error(signed) == (404, "ResourceNotFoundException")


def test_the_stack_s_keys_and_state_are_readable_by_their_owner_only(stack: Stack) -> None:
    mode = (stack.home / "local" / "credentials.json").stat().st_mode
    state_dir = (stack.home / "local").stat().st_mode  # snapshot, journal, outboxes inside

    assert stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(state_dir) == 0o700


def test_local_env_points_a_users_own_boto3_script_at_the_stack(stack: Stack) -> None:
    clean = {k: v for k, v in stack.env.items() if not k.startswith("AWS_")}
    tctfmsg = f"{sys.executable} -m tctfmsg"

    ran = subprocess.run(
        ["bash", "-c", f'eval "$({tctfmsg} local env)" && {sys.executable} -c "{SCRIPT}"'],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.getcwd(),
    )

    assert ran.returncode == 0, ran.stderr
    queues, identities = ran.stdout.splitlines()
    assert int(queues) >= 4
    assert "tctfmsg.local" in identities  # through the SES proxy: its Host header survived


def test_local_env_without_a_running_stack_is_one_line(stack: Stack, tmp_path: object) -> None:
    env = {**stack.env, "TCTFMSG_HOME": str(tmp_path)}

    ran = subprocess.run(
        [sys.executable, "-m", "tctfmsg", "local", "env"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert ran.returncode == 1
    assert ran.stdout == ""
    assert "not running" in ran.stderr and "Traceback" not in ran.stderr
