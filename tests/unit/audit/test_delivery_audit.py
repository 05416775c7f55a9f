from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.campaigns.services.delivery_audit import audit

CAMPAIGN = "c1"


def sent(key: str) -> Delivery:
    return Delivery(CAMPAIGN, key, DeliveryStatus.SENT)


def mail(to: str, campaign: str = CAMPAIGN) -> dict:
    return {"to": [to], "tags": {"campaign_id": campaign}}


def test_clean_campaign_counts_per_provider():
    result = audit(
        CAMPAIGN,
        {"ses": [mail("a@x.io")], "resend": [mail("B@x.io")], "sendgrid": []},
        [sent("a@x.io"), sent("b@x.io"), Delivery(CAMPAIGN, "c@x.io", DeliveryStatus.SKIPPED)],
    )
    assert result.sent_by_provider == {"resend": 1, "ses": 1}
    assert (result.targeted, result.sent, result.received) == (3, 2, 2)
    assert (result.dropped, result.duplicated, result.unrecorded) == (0, 0, 0)
    assert result.clean


def test_a_recipient_reached_by_two_providers_is_a_duplicate():
    result = audit(
        CAMPAIGN, {"ses": [mail("a@x.io")], "resend": [mail("a@x.io")]}, [sent("a@x.io")]
    )
    assert result.duplicated == 1
    assert result.duplicated_examples == ["a@x.io"]
    assert not result.clean


def test_sent_but_never_received_and_still_pending_are_dropped():
    result = audit(
        CAMPAIGN,
        {"ses": []},
        [sent("a@x.io"), Delivery(CAMPAIGN, "b@x.io", DeliveryStatus.PENDING)],
    )
    assert result.dropped == 2
    assert result.dropped_examples == ["a@x.io", "b@x.io"]


def test_received_without_a_sent_record_is_unrecorded():
    result = audit(
        CAMPAIGN,
        {"ses": [mail("a@x.io")]},
        [Delivery(CAMPAIGN, "a@x.io", DeliveryStatus.FAILED)],
    )
    assert result.unrecorded == 1


def test_other_campaigns_mail_is_ignored():
    result = audit(CAMPAIGN, {"ses": [mail("a@x.io", campaign="other")]}, [sent("a@x.io")])
    assert result.received == 0
    assert result.dropped == 1
