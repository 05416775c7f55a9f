import random
import string

from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from tctfmsg.campaigns.domain.subscriber import (
    InvalidEmail,
    Subscriber,
    SubscriberStatus,
    email_key,
    normalise_email,
)


def test_email_is_trimmed_and_only_the_domain_lower_cased():
    assert normalise_email("  John.Smith@Example.COM \t") == "John.Smith@example.com"


def test_addresses_differing_in_case_share_one_key():
    assert email_key("John@Example.com") == email_key("john@example.COM")


def _reference(value: str) -> str | None:
    try:
        return str(validate_email(value.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def _ours(value: str) -> str | None:
    try:
        return normalise_email(value)
    except InvalidEmail:
        return None


EDGE_CASES = [
    "a..b@x.io",
    ".a@x.io",
    "a.@x.io",
    "a@x",
    "a@x.c",
    "a@-x.com",
    "a@x-.com",
    "a@x.local",
    "a@sub.test",
    "a@x.com.",
    "o'neil@example.com",
    "a+b@ex-ample.co.uk",
    "x@localhost",
    "a@[1.2.3.4]",
    "é@x.com",
    "a@exämple.com",
    "a" * 65 + "@x.com",
    "a@" + "b" * 64 + ".com",
    "a@xn--bcher-kva.example",
]


def test_fast_path_agrees_with_email_validator_on_edge_cases():
    assert [_ours(e) for e in EDGE_CASES] == [_reference(e) for e in EDGE_CASES]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + ".-_+@'é", max_size=30))
def test_fast_path_agrees_with_email_validator_on_any_text(value):
    assert _ours(value) == _reference(value)


def test_fast_path_agrees_on_generated_plausible_addresses():
    rng = random.Random(3)
    for _ in range(2000):
        local = "".join(rng.choice(string.ascii_letters + ".-_+") for _ in range(rng.randint(1, 9)))
        value = f"{local}@{rng.choice(['ex.com', 'a.b.cd', 'x', 'q.test', 'Mail.IO'])}"
        assert _ours(value) == _reference(value), value


def test_import_never_resubscribes_someone_who_unsubscribed():
    current = Subscriber("a@x.io", status=SubscriberStatus.UNSUBSCRIBED)
    merged = current.merged_with(Subscriber("a@x.io", status=SubscriberStatus.SUBSCRIBED))
    assert merged.status is SubscriberStatus.UNSUBSCRIBED


def test_merge_keeps_lists_and_overlays_non_empty_values():
    current = Subscriber("a@x.io", name="Ann", lists=frozenset({"a"}), attributes={"k": 1, "j": 2})
    merged = current.merged_with(
        Subscriber("a@x.io", name="", lists=frozenset({"b"}), attributes={"k": 9})
    )
    assert merged.name == "Ann"
    assert merged.lists == {"a", "b"}
    assert merged.attributes == {"k": 9, "j": 2}


def test_a_bounce_in_the_import_suppresses_a_subscribed_address():
    merged = Subscriber("a@x.io").merged_with(Subscriber("a@x.io", status=SubscriberStatus.BOUNCED))
    assert merged.status is SubscriberStatus.BOUNCED
