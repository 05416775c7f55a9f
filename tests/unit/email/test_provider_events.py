"""Provider events read as the providers publish them, and webhook signatures: a valid one is
believed, a forged, tampered, stale or missing one refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tctfmsg.core.errors import InvalidInput
from tctfmsg.email.events import resend, sendgrid, ses
from tctfmsg.email.events.model import EventKind, ProviderEvent, WebhookRefused

EVENTS = Path(__file__).parents[2] / "events"
NOW = 1_700_000_000
TOLERANCE_S = 300


def fixture(path: str) -> Any:
    return json.loads((EVENTS / path).read_text())


def sns_body(record_file: str) -> str:
    """The SQS message SNS delivers: its envelope, the SES record as a JSON string inside."""
    envelope = fixture("ses/sns_envelope.json")
    envelope["Message"] = json.dumps(fixture(record_file))
    return json.dumps(envelope)


# ---- SES event publishing through SNS -------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "kind", "detail"),
    [
        ("ses/bounce_permanent.json", EventKind.BOUNCED, "Permanent/General"),
        ("ses/bounce_transient.json", EventKind.SOFT_BOUNCED, "Transient/MailboxFull"),
        ("ses/complaint.json", EventKind.COMPLAINED, "abuse"),
        ("ses/delivery.json", EventKind.DELIVERED, ""),
        ("ses/send.json", EventKind.SENT, ""),
    ],
)
def test_an_ses_record_through_sns_becomes_one_event_with_its_campaign_tag(
    record: str, kind: EventKind, detail: str
) -> None:
    body = sns_body(record)

    assert ses.is_sns_envelope(body)
    (event,) = ses.events_from_sns(body)

    assert (event.provider, event.kind, event.recipient) == ("ses", kind, "recipient@example.com")
    assert event.campaign_id == "c-0123456789ab"
    assert event.message_id == "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
    assert event.detail == detail


def test_an_sns_message_that_is_not_an_ses_record_is_refused() -> None:
    envelope = fixture("ses/sns_envelope.json")
    envelope["Message"] = "not json"

    with pytest.raises(InvalidInput):
        ses.events_from_sns(json.dumps(envelope))


def test_an_event_type_we_do_not_act_on_gives_no_event() -> None:
    record = fixture("ses/delivery.json") | {"eventType": "Open", "open": {}}

    assert ses.events_from_record(record) == []


def test_a_queued_event_survives_its_queue_body_and_a_hostile_one_is_refused() -> None:
    event = ProviderEvent("resend", EventKind.BOUNCED, "a@example.com", "msg_1/0", "m", "c-1")

    assert ProviderEvent.from_json(event.to_json()) == event
    with pytest.raises(InvalidInput):
        ProviderEvent.from_json('{"provider": 1, "kind": "bounced"}')
    with pytest.raises(InvalidInput):
        ProviderEvent.from_json(event.to_json().replace('"bounced"', '"exploded"'))


# ---- Resend (Svix) -------------------------------------------------------------------------


def test_svix_signature_matches_the_published_example() -> None:
    # Svix's documented example: secret, message id, timestamp, body and the signature it gives
    signature = resend.sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )

    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _resend_headers(secret: str, body: bytes, stamp: int = NOW) -> dict[str, str]:
    return {
        "svix-id": "msg_1",
        "svix-timestamp": str(stamp),
        "svix-signature": resend.sign(secret, "msg_1", stamp, body),
    }


def test_a_signed_resend_bounce_is_believed_and_read() -> None:
    secret = resend.new_secret()
    body = json.dumps(fixture("resend/bounced.json")).encode()

    resend.verify(secret, _resend_headers(secret, body), body, NOW, TOLERANCE_S)
    (event,) = resend.parse("msg_1", body)

    assert (event.kind, event.recipient) == (EventKind.BOUNCED, "delivered@resend.dev")
    assert (event.message_id, event.campaign_id) == (
        "56761188-7520-42d8-8898-ff6fc54ce618",
        "c-0123456789ab",
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [("complained.json", EventKind.COMPLAINED), ("delivered.json", EventKind.DELIVERED)],
)
def test_resend_complaints_and_deliveries_are_read_with_either_tag_shape(
    name: str, kind: EventKind
) -> None:
    (event,) = resend.parse("msg_1", json.dumps(fixture(f"resend/{name}")).encode())

    assert (event.kind, event.campaign_id) == (kind, "c-0123456789ab")


def _refused_resend(headers: dict[str, str], body: bytes, secret: str) -> str:
    with pytest.raises(WebhookRefused) as refused:
        resend.verify(secret, headers, body, NOW, TOLERANCE_S)
    return refused.value.why


def test_a_resend_webhook_signed_with_another_secret_is_refused() -> None:
    body = json.dumps(fixture("resend/bounced.json")).encode()
    forged = _resend_headers(resend.new_secret(), body)

    assert "no signature matches" in _refused_resend(forged, body, resend.new_secret())


def test_a_tampered_resend_body_is_refused() -> None:
    secret = resend.new_secret()
    body = json.dumps(fixture("resend/bounced.json")).encode()
    headers = _resend_headers(secret, body)

    why = _refused_resend(headers, body.replace(b"delivered@", b"someone@"), secret)
    assert "no signature matches" in why


def test_a_stale_or_future_resend_webhook_is_refused() -> None:
    secret = resend.new_secret()
    body = b"{}"

    for stamp in (NOW - TOLERANCE_S - 1, NOW + TOLERANCE_S + 1):
        why = _refused_resend(_resend_headers(secret, body, stamp), body, secret)
        assert "tolerance" in why


@pytest.mark.parametrize("missing", ["svix-id", "svix-timestamp", "svix-signature"])
def test_a_resend_webhook_missing_a_header_is_refused(missing: str) -> None:
    secret = resend.new_secret()
    headers = _resend_headers(secret, b"{}")
    del headers[missing]

    assert "missing" in _refused_resend(headers, b"{}", secret)


def test_an_empty_resend_secret_verifies_nothing() -> None:
    headers = {"svix-id": "msg_1", "svix-timestamp": str(NOW), "svix-signature": "v1,AAAA"}

    assert "no webhook secret" in _refused_resend(headers, b"{}", "whsec_")


# ---- SendGrid (ECDSA) ----------------------------------------------------------------------


def _sendgrid_headers(private: str, body: bytes, stamp: int = NOW) -> dict[str, str]:
    return {
        sendgrid.SIGNATURE: sendgrid.sign(private, stamp, body),
        sendgrid.TIMESTAMP: str(stamp),
    }


def test_a_signed_sendgrid_batch_is_believed_and_read_event_by_event() -> None:
    private, public = sendgrid.new_key_pair()
    body = json.dumps(fixture("sendgrid/events.json")).encode()

    sendgrid.verify(public, _sendgrid_headers(private, body), body, NOW, TOLERANCE_S)
    events = sendgrid.parse(body)

    assert [(e.kind, e.recipient) for e in events] == [
        (EventKind.SENT, "example@test.com"),
        (EventKind.DEFERRED, "example@test.com"),
        (EventKind.DELIVERED, "example@test.com"),
        (EventKind.BOUNCED, "bounced@test.com"),
        (EventKind.SOFT_BOUNCED, "blocked@test.com"),
        (EventKind.COMPLAINED, "spammer@test.com"),
    ]  # the open is not acted on
    assert {e.campaign_id for e in events} == {"c-0123456789ab"}  # custom_args, top level
    assert {e.message_id for e in events} == {"14c5d75ce93"}  # the send's X-Message-Id


def _refused_sendgrid(public: str, headers: dict[str, str], body: bytes) -> str:
    with pytest.raises(WebhookRefused) as refused:
        sendgrid.verify(public, headers, body, NOW, TOLERANCE_S)
    return refused.value.why


def test_a_sendgrid_batch_signed_by_another_key_is_refused() -> None:
    _, public = sendgrid.new_key_pair()
    other, _ = sendgrid.new_key_pair()
    body = b"[]"

    assert "does not verify" in _refused_sendgrid(public, _sendgrid_headers(other, body), body)


def test_a_tampered_sendgrid_body_or_timestamp_is_refused() -> None:
    private, public = sendgrid.new_key_pair()
    body = json.dumps(fixture("sendgrid/events.json")).encode()
    headers = _sendgrid_headers(private, body)

    assert _refused_sendgrid(public, headers, body.replace(b"bounced@", b"someone@"))
    moved = headers | {sendgrid.TIMESTAMP: str(NOW + 1)}
    assert "does not verify" in _refused_sendgrid(public, moved, body)


def test_a_stale_or_unsigned_sendgrid_batch_is_refused() -> None:
    private, public = sendgrid.new_key_pair()

    stale = _sendgrid_headers(private, b"[]", NOW - TOLERANCE_S - 1)
    assert "tolerance" in _refused_sendgrid(public, stale, b"[]")
    assert "missing" in _refused_sendgrid(public, {}, b"[]")
    garbage = {sendgrid.SIGNATURE: "not base64!", sendgrid.TIMESTAMP: str(NOW)}
    assert "does not verify" in _refused_sendgrid(public, garbage, b"[]")
