"""DynamoUserStore against moto: users read back whole, a user read from the store written only
over the revision it was read at, and a dead push token removed atomically."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from tctfmsg.communication.adapters.users import DynamoUserStore
from tctfmsg.communication.domain.user import QuietHours, User
from tctfmsg.communication.ports import UserChanged
from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError, Throttled
from tctfmsg.local.provision import create_table

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TOKEN_A = "device-token-aaaaaaaa"
TOKEN_B = "device-token-bbbbbbbb"


@pytest.fixture
def client(aws):
    dynamodb = boto3.client("dynamodb")
    create_table(dynamodb, resources.table("users"), "test")
    return dynamodb


@pytest.fixture
def store(client):
    return DynamoUserStore(resources.table("users").physical_name("test"), client)


def ada(**changes) -> User:
    base = dict(
        user_id="ada",
        email="ada@example.com",
        phone="+447700900123",
        whatsapp="+447700900124",
        push_tokens=(TOKEN_A, TOKEN_B),
        locale="pt-BR",
        timezone="Europe/Madrid",
        preferences={"unread_messages": {"email": False, "push": True}},
        quiet_hours=QuietHours.parse("22:00-07:00"),
        created_at=NOW,
        updated_at=NOW,
    )
    return User(**{**base, **changes})


def test_a_stored_user_reads_back_whole_with_its_preferences_and_quiet_hours(store):
    stored = store.put(ada())

    assert stored.revision is not None
    assert store.get("ada") == replace(ada(), revision=stored.revision)


def test_a_user_with_nothing_but_an_id_reads_back_with_the_defaults(store):
    stored = store.put(User("bo"))

    assert store.get("bo") == User("bo", revision=stored.revision)
    assert store.get("nobody") is None


def test_a_user_never_read_from_the_store_replaces_the_stored_one(store):
    store.put(ada())

    store.put(ada(email="other@example.com", phone=None))  # a seeded user, written again

    assert (store.get("ada").email, store.get("ada").phone) == ("other@example.com", None)


def test_a_write_based_on_an_old_read_is_refused_and_writes_nothing(store):
    first = store.put(ada())
    store.put(replace(first, locale="es"))  # someone else's change, read after the first

    with pytest.raises(UserChanged):
        store.put(replace(first, timezone="UTC"))  # still based on the first
    assert store.get("ada").locale == "es" and store.get("ada").timezone == "Europe/Madrid"


def test_every_write_gives_a_new_revision_so_an_old_read_never_matches_again(store):
    first = store.put(ada())
    second = store.put(replace(first, locale="es"))
    store.put(replace(second, locale="pt-BR"))

    with pytest.raises(UserChanged):
        store.put(replace(second, locale="en"))


def test_removing_a_push_token_keeps_the_others_and_refuses_writes_read_before_it(store):
    first = store.put(ada())

    store.remove_push_token("ada", TOKEN_A)

    after = store.get("ada")
    assert after.push_tokens == (TOKEN_B,)
    assert after.revision != first.revision
    with pytest.raises(UserChanged):  # a write read before the removal cannot bring it back
        store.put(replace(first, locale="es"))


def test_removing_the_last_push_token_leaves_none(store):
    store.put(ada(push_tokens=(TOKEN_A,)))

    store.remove_push_token("ada", TOKEN_A)

    assert store.get("ada").push_tokens == ()


def test_removing_a_token_already_gone_or_of_a_missing_user_is_quiet(store):
    stored = store.put(ada(push_tokens=(TOKEN_B,)))

    store.remove_push_token("ada", TOKEN_A)
    store.remove_push_token("nobody", TOKEN_A)

    assert store.get("ada") == stored  # nothing changed
    assert store.get("nobody") is None  # and no empty user was made


def test_removing_a_token_is_one_update_with_no_read(store, client):
    stubber = Stubber(client)
    stubber.add_response("update_item", {})  # a get_item or put_item would fail the stub
    with stubber:
        store.remove_push_token("ada", TOKEN_A)
    stubber.assert_no_pending_responses()


def test_delete_says_whether_there_was_a_user(store):
    store.put(ada())

    assert store.delete("ada") is True
    assert store.delete("ada") is False
    assert store.get("ada") is None


def test_throttling_becomes_throttled(store, client):
    stubber = Stubber(client)
    stubber.add_client_error("get_item", "ProvisionedThroughputExceededException")
    with stubber, pytest.raises(Throttled, match="throttling"):
        store.get("ada")


def test_a_missing_table_is_a_configuration_error(client):
    store = DynamoUserStore("tctfmsg-nowhere-users", client)
    with pytest.raises(ConfigurationError, match="no table tctfmsg-nowhere-users"):
        store.get("ada")
