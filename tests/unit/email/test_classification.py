"""Each adapter turns its provider's answers into the domain's two errors, by code."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import boto3
import pytest
import requests
from botocore.stub import Stubber

from tctfmsg.email.message import ProviderUnavailable, RecipientRejected
from tctfmsg.email.providers.http import retry_after_s
from tctfmsg.email.providers.resend import ResendProvider
from tctfmsg.email.providers.sendgrid import SendGridProvider
from tctfmsg.email.providers.ses import SesProvider
from tests.unit.email.fakes import message


class CannedSession(requests.Session):
    """Answers every POST with one canned response, or raises; remembers what was posted."""

    def __init__(
        self,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raises: Exception | None = None,
    ) -> None:
        super().__init__()
        self.status, self.body, self.headers_out, self.raises = status, body, headers or {}, raises
        self.posted: list[dict[str, Any]] = []

    def post(self, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.posted.append({"url": url, **kwargs})
        if self.raises:
            raise self.raises
        response = requests.Response()
        response.status_code = self.status
        response._content = b"" if self.body is None else json.dumps(self.body).encode()
        response.headers.update(self.headers_out)
        return response


def resend(session: CannedSession) -> ResendProvider:
    return ResendProvider(lambda: "re_key", "http://resend.invalid", 2.0, session)


def sendgrid(session: CannedSession) -> SendGridProvider:
    return SendGridProvider(lambda: "SG.key", "http://sendgrid.invalid", 2.0, session)


def resend_error(status: int, name: str) -> CannedSession:
    return CannedSession(status, {"statusCode": status, "name": name, "message": "whatever"})


# ---- Resend --------------------------------------------------------------------------------


def test_resend_sends_bearer_key_idempotency_key_and_returns_its_id() -> None:
    session = CannedSession(200, {"id": "4ef9a417"})

    receipt = resend(session).send(message(idempotency_key="k-1", tags={"campaign": "c7"}))

    assert receipt.provider == "resend" and receipt.message_id == "4ef9a417"
    posted = session.posted[0]
    assert posted["url"] == "http://resend.invalid/emails"
    assert posted["headers"]["Authorization"] == "Bearer re_key"
    assert posted["headers"]["Idempotency-Key"] == "k-1"
    assert posted["json"]["to"] == ["ada@example.com"]
    assert posted["json"]["tags"] == [{"name": "campaign", "value": "c7"}]


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (422, "validation_error"),
        (400, "validation_error"),
        (422, "missing_required_field"),
        (451, "security_error"),
    ],
)
def test_resend_message_errors_reject_the_recipient(status: int, name: str) -> None:
    with pytest.raises(RecipientRejected, match=name):
        resend(resend_error(status, name)).send(message())


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (500, "internal_server_error"),
        (503, "whatever"),
        (403, "invalid_api_key"),
        (401, "missing_api_key"),
        (422, "invalid_from_address"),
        (403, "validation_error"),
    ],
)
def test_resend_outages_and_our_misconfiguration_are_unavailability(status: int, name: str) -> None:
    with pytest.raises(ProviderUnavailable) as caught:
        resend(resend_error(status, name)).send(message())
    assert not caught.value.uncertain


def test_resend_rate_limit_honours_retry_after() -> None:
    session = CannedSession(429, {"name": "rate_limit_exceeded"}, {"Retry-After": "3"})

    with pytest.raises(ProviderUnavailable) as caught:
        resend(session).send(message())

    assert caught.value.retry_after_s == 3


def test_resend_refused_key_is_read_again_next_time() -> None:
    refreshed: list[bool] = []
    provider = ResendProvider(
        lambda: "re_old",
        "http://resend.invalid",
        2.0,
        resend_error(403, "invalid_api_key"),
        on_auth_failure=lambda: refreshed.append(True),
    )

    with pytest.raises(ProviderUnavailable):
        provider.send(message())

    assert refreshed == [True]


def test_read_timeout_is_uncertain_and_refused_connection_is_not() -> None:
    with pytest.raises(ProviderUnavailable) as timed_out:
        resend(CannedSession(raises=requests.ReadTimeout())).send(message())
    with pytest.raises(ProviderUnavailable) as connect:
        resend(CannedSession(raises=requests.ConnectTimeout())).send(message())

    assert timed_out.value.uncertain is True
    assert connect.value.uncertain is False


# ---- SendGrid ------------------------------------------------------------------------------


def test_sendgrid_sends_text_first_and_reads_the_id_header() -> None:
    session = CannedSession(202, None, {"X-Message-Id": "sg-1"})

    receipt = sendgrid(session).send(message(sender="News <news@tctfmsg.local>"))

    body = session.posted[0]["json"]
    assert receipt.message_id == "sg-1"
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["from"] == {"email": "news@tctfmsg.local", "name": "News"}
    assert body["personalizations"] == [{"to": [{"email": "ada@example.com"}]}]


def test_sendgrid_bad_recipient_field_rejects_the_recipient() -> None:
    errors = {"errors": [{"message": "invalid", "field": "personalizations.0.to.0.email"}]}

    with pytest.raises(RecipientRejected, match=re.escape("personalizations.0.to.0.email")):
        sendgrid(CannedSession(400, errors)).send(message())


def test_sendgrid_bad_sender_field_is_ours_to_fix_so_it_fails_over() -> None:
    errors = {"errors": [{"message": "unverified", "field": "from.email"}]}

    with pytest.raises(ProviderUnavailable):
        sendgrid(CannedSession(400, errors)).send(message())


def test_sendgrid_429_honours_rate_limit_reset() -> None:
    reset = str(int(datetime.now(UTC).timestamp()) + 5)
    session = CannedSession(429, {"errors": []}, {"X-RateLimit-Reset": reset})

    with pytest.raises(ProviderUnavailable) as caught:
        sendgrid(session).send(message())

    assert 3.5 < (caught.value.retry_after_s or 0) <= 5


# ---- SES -----------------------------------------------------------------------------------


def ses_failing(code: str, status: int, headers: dict[str, str] | None = None) -> SesProvider:
    client = boto3.client(
        "sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    stubber.add_client_error(
        "send_email",
        service_error_code=code,
        http_status_code=status,
        response_meta={"HTTPHeaders": headers or {}} if headers else None,
    )
    stubber.activate()
    return SesProvider(client)


@pytest.mark.parametrize(
    ("code", "status"),
    [("Throttling", 400), ("TooManyRequestsException", 429), ("LimitExceededException", 400)],
)
def test_ses_throttling_is_unavailability_with_a_retry_after(code: str, status: int) -> None:
    with pytest.raises(ProviderUnavailable) as caught:
        ses_failing(code, status).send(message())
    assert caught.value.retry_after_s == 1.0


def test_ses_throttling_uses_retry_after_when_sent() -> None:
    with pytest.raises(ProviderUnavailable) as caught:
        ses_failing("TooManyRequestsException", 429, {"retry-after": "7"}).send(message())
    assert caught.value.retry_after_s == 7


@pytest.mark.parametrize("code", ["MessageRejected", "BadRequestException"])
def test_ses_rejected_message_rejects_the_recipient(code: str) -> None:
    with pytest.raises(RecipientRejected):
        ses_failing(code, 400).send(message())


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ServiceUnavailable", 503),
        ("InternalFailure", 500),
        ("SendingPausedException", 400),
        ("MailFromDomainNotVerifiedException", 400),
        ("AccountSuspendedException", 400),
    ],
)
def test_ses_outage_and_account_problems_are_unavailability(code: str, status: int) -> None:
    with pytest.raises(ProviderUnavailable, match=code):
        ses_failing(code, status).send(message())


# ---- Retry-After ---------------------------------------------------------------------------


def test_retry_after_reads_seconds_dates_and_rate_limit_reset() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)

    assert retry_after_s({"Retry-After": "2.5"}, now.timestamp()) == 2.5
    assert retry_after_s({"Retry-After": later}, now.timestamp()) == 30
    assert retry_after_s({"X-RateLimit-Reset": str(now.timestamp() + 4)}, now.timestamp()) == 4
    assert retry_after_s({}, now.timestamp()) is None
