import pytest

from tctfmsg.campaigns.domain.subscriber import SubscriberStatus
from tctfmsg.campaigns.domain.subscriber_rows import attribute_name, subscriber_from_record
from tctfmsg.core.errors import InvalidInput

NO_LISTS: frozenset[str] = frozenset()


def test_mailchimp_columns_become_name_attributes_and_tags():
    row = {
        "Email Address": " Ann@Example.COM ",
        "First Name": "Ann",
        "Last Name": "Lee",
        "TAGS": '"VIP","Beta tester"',
        "MEMBER_RATING": "4",
        "OPTIN_TIME": "",
    }
    s = subscriber_from_record(row, frozenset({"news"}))
    assert s.email == "Ann@example.com"
    assert s.name == "Ann Lee"
    assert s.lists == {"news"}
    assert s.attributes == {
        "first_name": "Ann",
        "last_name": "Lee",
        "tags": ["VIP", "Beta tester"],
        "member_rating": "4",
    }


def test_mailchimp_unsubscribed_and_cleaned_exports_carry_their_status():
    unsub = subscriber_from_record(
        {"Email Address": "a@x.io", "UNSUB_TIME": "2024-01-01"}, NO_LISTS
    )
    cleaned = subscriber_from_record(
        {"Email Address": "b@x.io", "CLEAN_TIME": "2024-01-01"}, NO_LISTS
    )
    assert unsub.status is SubscriberStatus.UNSUBSCRIBED
    assert cleaned.status is SubscriberStatus.BOUNCED


def test_listmonk_attributes_json_is_merged_and_blocklisted_means_unsubscribed():
    row = {
        "email": "b@x.io",
        "name": "Bo",
        "attributes": '{"city": "Oslo", "age": 41}',
        "status": "blocklisted",
    }
    s = subscriber_from_record(row, NO_LISTS)
    assert s.attributes == {"city": "Oslo", "age": 41}
    assert s.status is SubscriberStatus.UNSUBSCRIBED


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"email": "", "name": "x"}, "missing email"),
        ({"name": "no email column"}, "missing email"),
        ({"email": "bad@"}, "invalid email 'bad@'"),
        ({"email": "a@x.io", "attributes": "{not json"}, "attributes is not valid JSON"),
        ({"email": "a@x.io", "attributes": "[1, 2]"}, "attributes must be a JSON object"),
        ({"email": "a@x.io", "status": "zombie"}, "unknown status 'zombie'"),
    ],
)
def test_bad_records_are_refused_with_a_reason(row, reason):
    with pytest.raises(InvalidInput) as refused:
        subscriber_from_record(row, NO_LISTS)
    assert reason in refused.value.message


def test_lists_column_adds_to_the_import_lists():
    s = subscriber_from_record({"email": "a@x.io", "lists": "news; vip|beta"}, frozenset({"all"}))
    assert s.lists == {"all", "news", "vip", "beta"}


def test_reject_columns_of_our_own_reject_file_are_ignored_on_reimport():
    s = subscriber_from_record(
        {"email": "a@x.io", "reject_line": "7", "reject_reason": "invalid email"}, NO_LISTS
    )
    assert s.attributes == {}


def test_column_names_become_template_friendly_attribute_names():
    assert attribute_name("Phone Number") == "phone_number"
    assert attribute_name(" MEMBER_RATING ") == "member_rating"
