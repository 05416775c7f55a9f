"""SenderVerification on SES identities (sesv2 GetEmailIdentity): a sender may send if its
address, or its domain, is a verified identity."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from tctfmsg.core.errors import ConfigurationError, Throttled

_THROTTLED = ("Throttling", "ThrottlingException", "TooManyRequestsException")


class SesSenderVerification:
    def __init__(self, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("sesv2")
        self.client = client

    def verified(self, sender: str) -> bool:
        address = sender.strip().lower()
        domain = address.rpartition("@")[2]
        return any(self._identity_verified(identity) for identity in (address, domain))

    def _identity_verified(self, identity: str) -> bool:
        try:
            found = self.client.get_email_identity(EmailIdentity=identity)
        except self.client.exceptions.NotFoundException:
            return False
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _THROTTLED:
                raise Throttled("SES is throttling identity lookups", "try again") from None
            raise ConfigurationError(
                f"cannot read the SES identity {identity}: {code}",
                "check the role may call ses:GetEmailIdentity",
            ) from None
        return bool(found.get("VerificationStatus") == "SUCCESS")


class EmbeddedSenderVerification:
    """The embedded stack lets any sender send: it verifies the sender's domain on its own SES
    (as `local up` does for the default sender), then asks it like SES is asked in AWS."""

    def __init__(self, ses_v1: Any, sesv2: Any) -> None:
        self.ses_v1 = ses_v1
        self.identities = SesSenderVerification(sesv2)

    def verified(self, sender: str) -> bool:
        self.ses_v1.verify_domain_identity(Domain=sender.strip().rpartition("@")[2].lower())
        return self.identities.verified(sender)
