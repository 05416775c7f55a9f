"""Why no secret of the spec rotates on a timer: one reason per secret, checked against what it
holds and who reads it, so a new secret fails the synth until someone writes its own."""

from __future__ import annotations

from collections.abc import Mapping

from tctfmsg.core.errors import ConfigurationError

NO_TIMED_ROTATION: Mapping[str, str] = {
    "provider_keys": "Resend and SendGrid API keys are issued and revoked in the providers' "
    "consoles; Secrets Manager cannot mint them, so a rotation function has nothing to call.",
    "webhook_keys": "Webhook verification keys are the providers' (Resend's Svix secret, "
    "SendGrid's ECDSA public key); they change when an operator regenerates them there.",
    "messaging_keys": "The WhatsApp token and FCM project are issued by Meta and Google. The "
    "FCM access token lives an hour and needs a rotation minting it from the service account, "
    "not built yet (decision 0067): an operator refreshes it until then.",
    "signing_keys": "The 'unsubscribe' key seals the links in every email already sent "
    "(decision 0078); a timed rotation would void them. A new key comes with a new token "
    "version, by a deploy.",
    "chat_signing_key": "The 'chat' key signs connection tokens that live up to 24 hours and "
    "the verifier holds one key (decision 0069): a timed rotation would refuse every token "
    "in flight. Rotating needs two-key verification first.",
}


def no_rotation_reason(secret: str) -> str:
    try:
        return NO_TIMED_ROTATION[secret]
    except KeyError:
        raise ConfigurationError(
            f"secret {secret!r} has no reason for not rotating",
            "add one to cdk/components/secret_rotation.py, or give it a rotation",
        ) from None
