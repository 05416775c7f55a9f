"""Chat's attachments bucket: private, encrypted, TLS only, logged, forgetting after 30 days,
uploadable from browsers only on the origins a stage names, and usable only by the function that
presigns (docs/decisions/0073)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk.components.nag import apply_checks
from cdk.stacks import UserMessagesStack
from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.core.specs import user_messages as chat_spec

from .conftest import OFFLINE, STAGE
from .roles import actions_by_resource, logical_id, statements_of

CONNECT = resources.function("chat_connect")
DISCONNECT = resources.function("chat_disconnect")
DEFAULT = resources.function("chat_default")
SCHEDULER = resources.function("chat_scheduler")


@pytest.fixture(scope="module")
def template(templates: dict[str, Template]) -> Template:
    return templates["user_messages"]


def _bucket_id(template: Template) -> str:
    name = resources.physical_name(STAGE, chat_spec.ATTACHMENTS_BUCKET)
    return logical_id(template, "AWS::S3::Bucket", "BucketName", name)


def _resource(template: Template, logical: str) -> dict[str, Any]:
    return dict(template.to_json()["Resources"][logical])


def _synth(tmp_path: Path, **context: Any) -> Template:
    app = cdk.App(context={**OFFLINE, **context}, outdir=str(tmp_path))
    stack = UserMessagesStack(app, stage=STAGE)
    apply_checks(app)
    app.synth()  # cdk-nag passes
    return Template.from_stack(stack)


def test_the_attachments_bucket_is_private_encrypted_and_refuses_plain_http(
    template: Template,
) -> None:
    bucket_id = _bucket_id(template)
    bucket = _resource(template, bucket_id)
    props = bucket["Properties"]
    [policy] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]

    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"),
        True,
    )
    [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert any(
        (s["Effect"], s["Action"], s["Principal"], s.get("Condition"))
        == ("Deny", "s3:*", {"AWS": "*"}, {"Bool": {"aws:SecureTransport": "false"}})
        for s in policy
    )
    assert not [s for s in policy if s["Effect"] == "Allow"]  # nobody but granted roles
    assert bucket["DeletionPolicy"] == "Retain"
    assert props["LoggingConfiguration"]["DestinationBucketName"]["Ref"] != bucket_id


def test_attachments_expire_after_thirty_days_and_abandoned_uploads_after_one(
    template: Template,
) -> None:
    [rule] = _resource(template, _bucket_id(template))["Properties"]["LifecycleConfiguration"][
        "Rules"
    ]

    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == 30
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert "Prefix" not in rule and "Filter" not in rule  # every object


def test_only_the_function_that_presigns_may_use_the_bucket_and_only_to_put_and_get(
    template: Template,
) -> None:
    bucket_id = _bucket_id(template)
    by_function = {
        spec.logical: actions_by_resource(template, spec).get(bucket_id, set())
        for spec in (CONNECT, DISCONNECT, DEFAULT, SCHEDULER)
    }
    objects = [
        s
        for s in statements_of(template, DEFAULT)
        if s["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]}
    ]

    assert by_function == {
        CONNECT.logical: set(),
        DISCONNECT.logical: set(),
        DEFAULT.logical: {"s3:PutObject", "s3:GetObject", "s3:ListBucket"},
        SCHEDULER.logical: set(),
    }
    assert [s["Action"] for s in objects] == [["s3:PutObject", "s3:GetObject"]]


def test_without_configured_origins_no_browser_may_upload(template: Template) -> None:
    assert "CorsConfiguration" not in _resource(template, _bucket_id(template))["Properties"]


def test_browsers_upload_and_fetch_from_the_configured_origins_only(tmp_path: Path) -> None:
    origins = ["https://chat.example.com", "http://localhost:5573"]

    template = _synth(tmp_path, chat_attachment_origins=json.dumps(origins))

    [rule] = _resource(template, _bucket_id(template))["Properties"]["CorsConfiguration"][
        "CorsRules"
    ]
    assert rule["AllowedOrigins"] == origins
    assert sorted(rule["AllowedMethods"]) == ["GET", "POST"]


def test_origins_may_be_given_comma_separated_as_the_cdk_cli_passes_them(
    tmp_path: Path,
) -> None:
    template = _synth(tmp_path, chat_attachment_origins="https://a.example.com, https://b.example")

    [rule] = _resource(template, _bucket_id(template))["Properties"]["CorsConfiguration"][
        "CorsRules"
    ]
    assert rule["AllowedOrigins"] == ["https://a.example.com", "https://b.example"]


@pytest.mark.parametrize(
    "origins",
    [
        "*",
        "https://*.example.com",
        "http://example.com",
        "https://example.com/chat",
        "https://example.com?x=1",
        "https://user@example.com",
        "https://Example.com",
        "javascript:alert(1)",
        "https://exa\nmple.com",
        '{"origin": "https://example.com"}',
        "[1]",
        "[not json",
        json.dumps([f"https://{n}.example.com" for n in range(11)]),
        "https://" + "a" * 300 + ".com",
    ],
)
def test_an_origin_that_is_not_a_plain_secure_origin_fails_the_build(origins: str) -> None:
    with pytest.raises(ConfigurationError, match="chat_attachment_origins"):
        UserMessagesStack(
            cdk.App(context={**OFFLINE, "chat_attachment_origins": origins}), stage=STAGE
        )
