"""`tctfmsg demo`, the README's main job: the campaign and transactional stories, proven by
the outboxes."""

import json


def test_demo_delivers_every_recipient_exactly_once_through_an_ses_outage(fresh_stack):
    result = fresh_stack.cli("demo", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    assert report["status"] == "completed"
    assert (report["dropped"], report["duplicated"], report["unrecorded"]) == (0, 0, 0)
    # the sample list: 1,208 rows, 5 invalid addresses and 3 case-variant duplicates
    assert (report["imported"], report["rejected_rows"], report["targeted"]) == (1200, 5, 1200)
    assert report["sent"] + report["skipped"] + report["failed"] == report["targeted"]
    assert report["skipped"] > 0  # the sample's unsubscribed and bounced subscribers
    assert sum(report["sent_by_provider"].values()) == report["sent"]
    # SES went down partway: Resend carried part of the campaign, SES the rest
    assert report["sent_by_provider"]["ses"] > 0
    assert report["sent_by_provider"]["resend"] > 0
    assert report["ses_outage_seconds"] > 0
    # the transactional path beside it: delivered while the campaign sent, by its own channel
    during = {n["type"]: n for n in report["transactional"]["during_campaign"]}
    assert during["password_reset"]["status"] == "sent"
    assert during["password_reset"]["channel"] == "email"
    assert (during["mfa_code"]["status"], during["mfa_code"]["channel"]) == ("sent", "sms")
    # every email provider down: the account-locked alert went by SMS, both attempts recorded
    fallback = report["transactional"]["fallback"]
    assert (fallback["status"], fallback["channel"]) == ("sent", "sms")
    assert fallback["attempts"] == ["email: unavailable", "sms: sent"]
    assert report["transactional"]["idempotent_repeat"] == {
        "same_notification": True,
        "nothing_new_sent": True,
    }


def test_demo_refuses_a_deployed_stage(fresh_stack):
    result = fresh_stack.cli("--stage", "prod", "demo")
    assert result.returncode == 1
    assert "the demo runs on the embedded stack only" in result.stderr
