"""The email channel: the backbone (SES, then Resend, then SendGrid, behind their breakers),
its errors translated to the channel's."""

from __future__ import annotations

from tctfmsg.communication.ports import (
    ChannelReceipt,
    ChannelUnavailable,
    Outgoing,
    RecipientUnreachable,
)
from tctfmsg.email.headers import header_text
from tctfmsg.email.message import (
    AllProvidersUnavailable,
    EmailMessage,
    RecipientRejected,
    RecipientSuppressed,
)
from tctfmsg.email.ports import EmailSender


class EmailChannel:
    name = "email"

    def __init__(self, sender: EmailSender, from_address: str) -> None:
        self.sender = sender
        self.from_address = from_address

    def send(self, message: Outgoing) -> ChannelReceipt:
        email = EmailMessage(
            to=message.to,
            sender=self.from_address,
            subject=header_text(message.subject),  # rendered from the user's data
            html=message.html or "",
            text=message.text,
            tags={"notification_id": message.notification_id, "type": message.type},
            idempotency_key=message.dedupe_key,
        )
        try:
            receipt = self.sender.send(email)
        except AllProvidersUnavailable as exc:
            tried = "; ".join(exc.attempts)
            if exc.uncertain:  # a provider timed out after taking it: it may have delivered
                raise RecipientUnreachable(
                    "email",
                    message.to,
                    f"uncertain: {', '.join(exc.uncertain)} may have delivered it ({tried})",
                ) from exc
            raise ChannelUnavailable("email", tried or exc.message, exc.retry_after_s) from exc
        except RecipientSuppressed as exc:
            raise RecipientUnreachable("email", message.to, exc.reason, suppressed=True) from exc
        except RecipientRejected as exc:
            raise RecipientUnreachable("email", message.to, exc.reason) from exc
        return ChannelReceipt(receipt.provider, receipt.message_id, receipt.attempts)
