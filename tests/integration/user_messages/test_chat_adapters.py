"""The chat adapters against moto (mock_aws) with the embedded stack's serialised writes:
seqs atomic under concurrent sends, resends stored once, the user index, search, schedules,
receipts, the Management API's 410 and S3's presigned uploads."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tctfmsg.local import runtime
from tctfmsg.user_messages.adapters.attachments import S3AttachmentStore
from tctfmsg.user_messages.adapters.connections import DynamoConnectionStore
from tctfmsg.user_messages.adapters.conversations import DynamoConversationStore
from tctfmsg.user_messages.adapters.gateway import ApiGatewayConnectionGateway
from tctfmsg.user_messages.adapters.marks import DynamoReceiptStore
from tctfmsg.user_messages.adapters.messages import DynamoMessageStore
from tctfmsg.user_messages.adapters.schedules import DynamoScheduleStore
from tctfmsg.user_messages.domain.model import (
    Connection,
    NotAMember,
    PushFailed,
    Receipt,
    Schedule,
    ScheduleKind,
    StaleConnection,
)
from tctfmsg.user_messages.services import conversations, messages
from tctfmsg.user_messages.services.deps import ChatDeps
from tctfmsg.user_messages.services.fields import Caller
from tests.support.chat_memory import memory_chat

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def _name(logical: str) -> str:
    return f"tctfmsg-test-{logical.replace('_', '-')}"


@pytest.fixture
def serialised(provisioned: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """DynamoDB's atomic writes over the patched moto, as the embedded stack gives them (its
    AWS process patches, then serialises); put back before the patches are undone."""
    with pytest.MonkeyPatch.context() as patch:
        for cls, name in runtime.serialised_methods():
            patch.setattr(cls, name, getattr(cls, name))
        runtime.serialise_dynamodb()
        yield provisioned


@pytest.fixture
def deps(serialised: dict[str, Any]) -> ChatDeps:
    provisioned = serialised
    dynamodb = provisioned["dynamodb"]
    memory = memory_chat()
    return ChatDeps(
        connections=DynamoConnectionStore(_name("chat_connections"), dynamodb),
        conversations=DynamoConversationStore(
            _name("chat_conversations"), _name("chat_members"), dynamodb
        ),
        messages=DynamoMessageStore(_name("chat_messages"), _name("chat_client_ids"), dynamodb),
        receipts=DynamoReceiptStore(_name("chat_receipts"), dynamodb),
        pins=memory.pins,
        schedules=DynamoScheduleStore(_name("chat_schedules"), dynamodb),
        gateway=memory.gateway,
        notifier=memory.notifier,
        attachments=memory.attachments,
        clock=memory.clock,
        token_key=memory.token_key,
    )


def _all(deps: ChatDeps, conversation_id: str) -> list[int]:
    page = deps.messages.after(conversation_id, 0, 1000)
    assert page.next_after is None
    return [m.seq for m in page.messages]


def test_concurrent_sends_get_every_seq_once_with_no_gap(deps: ChatDeps) -> None:
    room = conversations.create(deps, ["alice", "bob"]).conversation_id

    def send(n: int) -> int:
        sender = "alice" if n % 2 else "bob"
        return int(messages.send(deps, Caller(sender), room, f"m{n}", client_msg_id=f"c{n}")["seq"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        seqs = list(pool.map(send, range(60)))

    assert sorted(seqs) == list(range(1, 61))
    assert _all(deps, room) == list(range(1, 61))
    conversation = deps.conversations.get(room)
    assert conversation is not None and conversation.last_seq == 60


def test_concurrent_resends_of_one_client_msg_id_store_one_message(deps: ChatDeps) -> None:
    room = conversations.create(deps, ["alice", "bob"]).conversation_id

    def resend(_: int) -> tuple[str, int]:
        ack = messages.send(deps, Caller("alice"), room, "once", client_msg_id="same")
        return ack["message_id"], ack["seq"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        acks = set(pool.map(resend, range(24)))

    assert len(acks) == 1  # every resend acked the one message
    ((message_id, seq),) = acks
    assert message_id == f"{room}:{seq}"
    assert _all(deps, room) == [seq]  # seqs a lost race took are void, not messages
    assert deps.messages.by_client_id(room, "alice", "same") is not None
    again = messages.send(deps, Caller("alice"), room, "next")
    assert again["seq"] > seq


def test_connections_are_found_by_user_through_the_index(deps: ChatDeps) -> None:
    for cid, user in (("a1", "alice"), ("a2", "alice"), ("b1", "bob")):
        deps.connections.put(Connection(cid, user, NOW, int(NOW.timestamp()) + 7200))

    assert sorted(c.connection_id for c in deps.connections.of_user("alice")) == ["a1", "a2"]
    deps.connections.delete("a1")
    assert [c.connection_id for c in deps.connections.of_user("alice")] == ["a2"]
    assert deps.connections.get("b1") == Connection("b1", "bob", NOW, int(NOW.timestamp()) + 7200)


def test_a_connection_seen_once_is_answered_without_a_read_until_it_is_deleted(
    provisioned: dict[str, Any],
) -> None:
    dynamodb = provisioned["dynamodb"]
    reads: list[str] = []
    dynamodb.meta.events.register("before-call.dynamodb.GetItem", lambda **_: reads.append("x"))
    connection = Connection("c1", "alice", NOW, int(NOW.timestamp()) + 7200)
    DynamoConnectionStore(_name("chat_connections"), dynamodb).put(connection)  # $connect's
    store = DynamoConnectionStore(_name("chat_connections"), dynamodb)  # $default's

    first, again = store.get("c1"), store.get("c1")
    store.delete("c1")

    assert first == again == connection
    assert len(reads) == 1
    assert store.get("c1") is None and len(reads) == 2


def test_taking_a_seq_answers_the_conversation_with_its_members(deps: ChatDeps) -> None:
    room = conversations.create(deps, ["alice", "bob", "carol"], "team").conversation_id

    first, second = deps.conversations.take_seq(room, "alice"), deps.conversations.take_seq(
        room, "carol")  # fmt: skip

    assert (first.last_seq, second.last_seq) == (1, 2)
    assert second.members == frozenset({"alice", "bob", "carol"}) and second.title == "team"


def test_a_seq_is_taken_only_for_a_member_of_a_conversation_that_exists(deps: ChatDeps) -> None:
    room = conversations.create(deps, ["alice", "bob"]).conversation_id

    with pytest.raises(NotAMember):
        deps.conversations.take_seq(room, "mallory")
    with pytest.raises(NotAMember):
        deps.conversations.take_seq("no-such-room", "alice")

    conversation = deps.conversations.get(room)
    assert conversation is not None and conversation.last_seq == 0
    assert deps.conversations.get("no-such-room") is None  # the refused ADD made nothing


def test_members_and_conversations_of_a_user(deps: ChatDeps) -> None:
    room = conversations.create(deps, ["alice", "bob", "carol"], "team").conversation_id
    conversations.create(deps, ["dave", "erin"])

    assert sorted(deps.conversations.members(room)) == ["alice", "bob", "carol"]
    assert deps.conversations.of_user("carol") == [room]
    assert deps.conversations.is_member(room, "bob") and not deps.conversations.is_member(
        room, "dave")  # fmt: skip


def test_search_queries_one_conversation_by_its_words(deps: ChatDeps) -> None:
    room = conversations.create(deps, ["alice", "bob"]).conversation_id
    other = conversations.create(deps, ["alice", "carol"]).conversation_id
    messages.send(deps, Caller("alice"), room, "Déjà vu at the CAFÉ")
    messages.send(deps, Caller("alice"), room, "nothing here")
    messages.send(deps, Caller("alice"), other, "deja vu cafe")

    found = deps.messages.search(room, ["cafe", "deja"], 10)

    assert [(m.conversation_id, m.text) for m in found] == [(room, "Déjà vu at the CAFÉ")]


def test_due_schedules_come_from_the_sparse_index_and_are_removed_once(deps: ChatDeps) -> None:
    def plan(schedule_id: str, minutes: int) -> Schedule:
        return Schedule(schedule_id, ScheduleKind.MESSAGE, "room", "alice",
                        NOW + timedelta(minutes=minutes), text="hi", created_at=NOW)  # fmt: skip

    assert deps.schedules.add(plan("later", 10)) and deps.schedules.add(plan("soon", 1))
    assert not deps.schedules.add(plan("soon", 5))  # an id is taken once

    due = deps.schedules.due(NOW + timedelta(minutes=2), 10)

    assert due == [plan("soon", 1)]
    assert deps.schedules.remove("soon") and not deps.schedules.remove("soon")
    assert deps.schedules.due(NOW + timedelta(minutes=2), 10) == []


def test_a_receipt_only_moves_forward(deps: ChatDeps) -> None:
    assert deps.receipts.advance(Receipt("room", "bob", 3, NOW))
    assert not deps.receipts.advance(Receipt("room", "bob", 2, NOW))
    assert not deps.receipts.advance(Receipt("room", "bob", 3, NOW))
    stored = deps.receipts.get("room", "bob")
    assert stored is not None and stored.seq == 3


def _management_client() -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url="https://api.test/prod",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


def test_a_410_becomes_stale_connection_and_other_refusals_push_failed() -> None:
    client = _management_client()
    gateway = ApiGatewayConnectionGateway(client)
    with Stubber(client) as stub:
        stub.add_response("post_to_connection", {}, {"ConnectionId": "c1", "Data": b'{"a":1}'})
        stub.add_client_error("post_to_connection", "GoneException", http_status_code=410)
        stub.add_client_error("post_to_connection", "LimitExceededException", http_status_code=429)

        gateway.post("c1", {"a": 1})
        with pytest.raises(StaleConnection) as gone:
            gateway.post("c2", {"a": 1})
        with pytest.raises(PushFailed, match="LimitExceededException"):
            gateway.post("c3", {"a": 1})

    assert gone.value.connection_id == "c2"


def test_presigned_uploads_carry_the_size_and_type_limits(aws: None) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="attachments")
    store = S3AttachmentStore("attachments", s3)

    upload = store.upload("room", "att1", "image/png", 2048, "cat.png")
    policy = json.loads(base64.b64decode(upload.fields["policy"]))
    before = store.exists("room", "att1")
    s3.put_object(Bucket="attachments", Key="room/att1", Body=b"png")

    assert ["content-length-range", 1, 2048] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert upload.fields["Content-Type"] == "image/png"
    assert (before, store.exists("room", "att1")) == (False, True)
    assert "att1" in store.download_url("room", "att1")
