"""AttachmentStore on S3: presigned POST uploads bounded by size and type, presigned GETs."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from tctfmsg.core.errors import TctfmsgError
from tctfmsg.user_messages.ports import Upload

URL_TTL_S = 900


class S3AttachmentStore:
    def __init__(self, bucket: str, client: Any, url_ttl_s: int = URL_TTL_S) -> None:
        self.bucket = bucket
        self.client = client
        self.url_ttl_s = url_ttl_s

    def upload(
        self, conversation_id: str, attachment_id: str, content_type: str, size: int, filename: str
    ) -> Upload:
        disposition = f'attachment; filename="{filename}"'
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=_key(conversation_id, attachment_id),
            Fields={"Content-Type": content_type, "Content-Disposition": disposition},
            Conditions=[
                {"Content-Type": content_type},
                {"Content-Disposition": disposition},
                ["content-length-range", 1, size],
            ],
            ExpiresIn=self.url_ttl_s,
        )
        return Upload(url=post["url"], fields=dict(post["fields"]))

    def exists(self, conversation_id: str, attachment_id: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=_key(conversation_id, attachment_id))
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchKey", "NotFound"):
                return False
            raise TctfmsgError(f"attachments are unavailable: {code}", "try again") from None
        return True

    def download_url(self, conversation_id: str, attachment_id: str) -> str:
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": _key(conversation_id, attachment_id)},
                ExpiresIn=self.url_ttl_s,
            )
        )


def _key(conversation_id: str, attachment_id: str) -> str:
    return f"{conversation_id}/{attachment_id}"
