"""attach: a presigned upload for one file, within the size and type limits; a message then
names the attachment, and its receivers get a presigned download URL."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tctfmsg.user_messages.domain.model import ChatRefused
from tctfmsg.user_messages.services import fields, messages
from tctfmsg.user_messages.services.deps import ChatDeps
from tctfmsg.user_messages.services.fields import Caller, Frame

MAX_FILENAME_CHARS = 200
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")  # what a Content-Disposition filename may hold as is


def attach(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    conversation_id = fields.conversation_id(frame)
    messages.require_member(deps, conversation_id, caller.user_id)
    limits = deps.limits
    filename = fields.text(frame, "filename", MAX_FILENAME_CHARS)
    content_type = frame.get("content_type")
    if not isinstance(content_type, str) or content_type not in limits.attachment_types:
        allowed = ", ".join(sorted(limits.attachment_types))
        raise ChatRefused("this content type is not accepted", f"use one of {allowed}",
                          code="invalid_attachment")  # fmt: skip
    size = frame.get("size")
    if type(size) is not int or not 1 <= size <= limits.max_attachment_bytes:
        raise ChatRefused(
            f"size must be 1 to {limits.max_attachment_bytes} bytes", code="invalid_attachment"
        )
    attachment_id = uuid.uuid4().hex
    safe_name = _UNSAFE.sub("_", filename).strip() or "attachment"
    upload = deps.attachments.upload(conversation_id, attachment_id, content_type, size, safe_name)
    return {"type": "upload", "attachment_id": attachment_id, "url": upload.url,
            "fields": upload.fields}  # fmt: skip
