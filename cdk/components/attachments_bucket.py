"""A private bucket for files people attach to messages, reached only through presigned URLs.

Encrypted (SSE-S3), public access blocked, TLS 1.2 or later required, ACLs disabled, every
request logged to a bucket of its own; objects expire after a retention and abandoned multipart
uploads are cleared. Browsers may upload (presigned POST) and fetch (presigned GET) from the
origins the stage names in context `chat_attachment_origins` (a JSON list, or comma-separated);
with none, no browser may, and other clients still can.

A function that presigns is granted, on this bucket only, what its URLs are signed to do: put
and get objects, and list the bucket, without which S3 answers a missing object's HEAD with 403
instead of 404 (so a message naming an upload that never happened would look like an outage).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk.components.nag import acknowledge
from tctfmsg.core.errors import ConfigurationError

ORIGINS_CONTEXT = "chat_attachment_origins"
MAX_ORIGINS = 10
MAX_ORIGIN_LENGTH = 200
RETENTION = cdk.Duration.days(30)
ABANDONED_UPLOADS = cdk.Duration.days(1)
ACCESS_LOG_RETENTION = cdk.Duration.days(90)
_LOCAL_HOSTS = ("localhost", "127.0.0.1")
_LOGS_BY_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


class AttachmentsBucket(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name: str,
        origins: tuple[str, ...] = (),
        retention: cdk.Duration = RETENTION,
    ) -> None:
        super().__init__(scope, construct_id)
        # Log delivery through a bucket policy, not the LogDeliveryWrite ACL: ACLs stay off.
        self.node.set_context(_LOGS_BY_BUCKET_POLICY, True)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            **_private(),
            lifecycle_rules=[s3.LifecycleRule(expiration=ACCESS_LOG_RETENTION)],
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            **_private(),
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="attachments/",
            cors=[
                s3.CorsRule(
                    allowed_origins=list(origins),
                    allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET],
                    allowed_headers=["content-type"],
                    max_age=3000,
                )
            ]
            if origins
            else None,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-attachments",
                    expiration=retention,
                    abort_incomplete_multipart_upload_after=ABANDONED_UPLOADS,
                )
            ],
        )

    def grant_presign(self, role: iam.IRole) -> None:
        """What a presigned upload, a presigned download and an existence check need."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject"],
                resources=[self.bucket.arn_for_objects("*")],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
        bucket_id = cdk.Stack.of(self).get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/*]",
            "Object keys are conversation and attachment ids minted at run time; the "
            "wildcard covers objects of this one bucket, to put and get only.",
        )


def _private() -> dict[str, Any]:
    return {
        "encryption": s3.BucketEncryption.S3_MANAGED,
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "enforce_ssl": True,
        "minimum_tls_version": 1.2,
        # People's files, and the record of who fetched them: a deleted stack keeps both.
        "removal_policy": cdk.RemovalPolicy.RETAIN,
    }


def upload_origins(scope: Construct) -> tuple[str, ...]:
    """The browser origins the stage allows to upload and fetch attachments, checked."""
    raw: Any = scope.node.try_get_context(ORIGINS_CONTEXT)
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):  # `-c chat_attachment_origins=...` arrives as a string
        raw = _parsed_list(raw)
    if not isinstance(raw, list) or not all(isinstance(origin, str) for origin in raw):
        raise ConfigurationError(
            f"context `{ORIGINS_CONTEXT}` must be a list of origins",
            f"e.g. -c {ORIGINS_CONTEXT}='[\"https://chat.example.com\"]'",
        )
    if len(raw) > MAX_ORIGINS:
        raise ConfigurationError(
            f"context `{ORIGINS_CONTEXT}` names {len(raw)} origins, at most {MAX_ORIGINS}",
            "list only the sites that host the chat client",
        )
    return tuple(_checked_origin(origin) for origin in raw)


def _parsed_list(raw: str) -> Any:
    if raw.lstrip().startswith("["):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return None
    return [part.strip() for part in raw.split(",") if part.strip()]


def _checked_origin(origin: str) -> str:
    shown = origin[:MAX_ORIGIN_LENGTH].encode("unicode_escape").decode()
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        parts, port = None, None
    secure = parts is not None and (
        parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS)
    )
    if (
        parts is None
        or not secure
        or len(origin) > MAX_ORIGIN_LENGTH
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or "*" in origin
        or not origin.isascii()
        or not origin.isprintable()
        or origin != f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
    ):
        raise ConfigurationError(
            f"context `{ORIGINS_CONTEXT}`: {shown!r} is not an origin",
            "give scheme and lowercase host (and port) only, https (http only for "
            "localhost), e.g. https://chat.example.com",
        )
    return origin
