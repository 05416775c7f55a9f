"""POST /campaigns with an Idempotency-Key creates one campaign per key: a retry with the same
body answers with that campaign, a different body under the same key is refused, and without
the header every POST creates one, as before."""

from __future__ import annotations

import time

import pytest

from lambdas.campaigns import api

from .conftest import World

KEY = {"Idempotency-Key": "9b2f6c1e-retry-me"}
BODY = {"name": "Spring", "subject": "Hi", "template": "newsletter", "list": "news"}


def test_the_same_key_twice_creates_one_campaign_and_answers_with_it_twice(world: World) -> None:
    first = world.call("api_create_campaign", body=BODY, headers=KEY)
    again = world.call("api_create_campaign", body=BODY, headers=KEY)

    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    assert list(world.store.items) == [first.body["campaign_id"]]


def test_the_same_key_with_another_body_is_a_conflict_and_creates_nothing(world: World) -> None:
    first = world.call("api_create_campaign", body=BODY, headers=KEY)

    other = world.call("api_create_campaign", body=BODY | {"subject": "Other"}, headers=KEY)

    assert other.status == 409
    assert other.body["error"] == (
        "this Idempotency-Key was already used to create a different campaign"
    )
    assert other.body["hint"].startswith("send a new key for a new campaign")
    assert list(world.store.items) == [first.body["campaign_id"]]


def test_different_keys_create_different_campaigns(world: World) -> None:
    one = world.call("api_create_campaign", body=BODY, headers={"Idempotency-Key": "one"})
    two = world.call("api_create_campaign", body=BODY, headers={"Idempotency-Key": "two"})

    assert one.body["campaign_id"] != two.body["campaign_id"]
    assert len(world.store.items) == 2


def test_the_header_name_is_case_insensitive_as_http_s_are(world: World) -> None:
    first = world.call("api_create_campaign", body=BODY, headers={"idempotency-key": "k"})
    again = world.call("api_create_campaign", body=BODY, headers={"IDEMPOTENCY-KEY": "k"})

    assert again.body == first.body
    assert len(world.store.items) == 1


def test_without_the_header_every_post_creates_a_campaign_and_records_nothing(
    world: World,
) -> None:
    one = world.call("api_create_campaign", body=BODY)
    two = world.call("api_create_campaign", body=BODY)

    assert (one.status, two.status) == (201, 201)
    assert one.body["campaign_id"] != two.body["campaign_id"]
    assert world.idempotency.records == {}


def test_a_key_is_remembered_for_at_least_a_day(world: World) -> None:
    before = time.time()

    world.call("api_create_campaign", body=BODY, headers=KEY)

    (record,) = world.idempotency.records.values()
    assert record.status == "COMPLETED"
    assert record.expiry_timestamp >= int(before) + 24 * 3600  # whole seconds, as stored


def test_a_create_that_fails_leaves_the_key_free_for_the_corrected_request(
    world: World,
) -> None:
    bad_sender = BODY | {"sender": "not an address"}
    refused = world.call("api_create_campaign", body=bad_sender, headers=KEY)

    created = world.call("api_create_campaign", body=BODY, headers=KEY)

    assert refused.status == 400
    assert created.status == 201
    assert len(world.store.items) == 1


def test_a_key_still_in_progress_is_a_conflict_that_says_to_retry(world: World) -> None:
    store = world.idempotency
    store.configure(api.idempotency_config(), f"{api.__name__}._create_recorded")
    request = {
        "key": KEY["Idempotency-Key"],
        "campaign": BODY | {"filter": {}, "sender": None, "render": "runtime"},
    }
    store.save_inprogress(request, remaining_time_in_millis=60_000)  # another instance, mid-way

    answer = world.call("api_create_campaign", body=BODY, headers=KEY)

    assert answer.status == 409
    assert answer.body["hint"].startswith("retry in a few seconds")
    assert world.store.items == {}


def test_an_empty_key_is_refused_in_one_line(world: World) -> None:
    answer = world.call("api_create_campaign", body=BODY, headers={"Idempotency-Key": "  "})

    assert answer.status == 400
    assert answer.body["error"] == "the Idempotency-Key header is empty"
    assert world.store.items == {}


@pytest.mark.parametrize("key", ["k" * 256, "two words", "caf\u00e9", "a\tb"])
def test_an_overlong_or_non_ascii_key_is_refused_and_nothing_is_created(
    world: World, key: str
) -> None:
    answer = world.call("api_create_campaign", body=BODY, headers={"Idempotency-Key": key})

    assert answer.status == 400
    assert "1 to 255 printable ASCII characters" in answer.body["error"]
    assert world.store.items == {}
