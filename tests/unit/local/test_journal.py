"""The AWS endpoint's journal: what was made durable reads back in order, a record torn by a
crash ends its segment, and a snapshot's segments are dropped (decision 0082)."""

from __future__ import annotations

import threading
from pathlib import Path

from tctfmsg.local import journal
from tctfmsg.local.durable import changes_state
from tctfmsg.local.journal import Journal


def test_records_read_back_in_order_after_those_a_snapshot_holds(tmp_path: Path) -> None:
    log = Journal(tmp_path, last_seq=0)
    for payload in (b"one", b"two", b"three"):
        log.wait_durable(log.append(payload))
    log.close()

    assert list(journal.read(tmp_path, after=0)) == [(1, b"one"), (2, b"two"), (3, b"three")]
    assert list(journal.read(tmp_path, after=2)) == [(3, b"three")]


def test_a_record_torn_by_a_crash_ends_the_segment_and_nothing_after_it_is_read(
    tmp_path: Path,
) -> None:
    log = Journal(tmp_path, last_seq=0)
    log.append(b"kept")
    log.append(b"torn")
    log.close()
    segment = journal.segments(tmp_path)[0]
    segment.write_bytes(segment.read_bytes()[:-2])  # the power went mid-write

    assert list(journal.read(tmp_path, after=0)) == [(1, b"kept")]


def test_a_corrupted_record_is_not_replayed(tmp_path: Path) -> None:
    log = Journal(tmp_path, last_seq=0)
    log.append(b"first")
    log.append(b"second")
    log.close()
    segment = journal.segments(tmp_path)[0]
    data = bytearray(segment.read_bytes())
    data[-1] ^= 0xFF
    segment.write_bytes(bytes(data))

    assert list(journal.read(tmp_path, after=0)) == [(1, b"first")]


def test_a_restarted_journal_continues_the_numbering_in_a_new_segment(tmp_path: Path) -> None:
    first = Journal(tmp_path, last_seq=0)
    first.append(b"a")
    first.close()
    second = Journal(tmp_path, last_seq=1)
    second.wait_durable(second.append(b"b"))
    second.close()

    assert [p.name for p in journal.segments(tmp_path)] == [
        journal.segment_name(1),
        journal.segment_name(2),
    ]
    assert list(journal.read(tmp_path, after=0)) == [(1, b"a"), (2, b"b")]


def test_rotating_then_dropping_keeps_only_what_the_snapshot_does_not_hold(
    tmp_path: Path,
) -> None:
    log = Journal(tmp_path, last_seq=0)
    log.append(b"a")
    log.append(b"b")
    log.rotate()  # a snapshot now holds records 1 and 2
    log.wait_durable(log.append(b"c"))

    dropped = log.drop_through(2)
    log.close()

    assert dropped == 1
    assert list(journal.read(tmp_path, after=0)) == [(3, b"c")]


def test_concurrent_writers_each_return_only_once_their_record_is_durable(
    tmp_path: Path,
) -> None:
    log = Journal(tmp_path, last_seq=0)
    lock = threading.Lock()
    durable_at_return: list[bool] = []

    def write(i: int) -> None:
        with lock:  # the caller's ordering lock
            seq = log.append(str(i).encode())
        log.wait_durable(seq)
        durable_at_return.append(log._durable >= seq)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    log.close()

    assert durable_at_return == [True] * 20
    assert sorted(int(p) for _, p in journal.read(tmp_path, after=0)) == list(range(20))


def _environ(method: str = "POST", target: str | None = None, query: str = "") -> dict[str, str]:
    environ = {"REQUEST_METHOD": method, "QUERY_STRING": query}
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    return environ


def test_reads_are_not_journaled_and_everything_else_is() -> None:
    form = {"CONTENT_TYPE": "application/x-www-form-urlencoded"}
    assert not changes_state(_environ(target="DynamoDB_20120810.GetItem"), b"{}")
    assert not changes_state(_environ(target="DynamoDB_20120810.Query"), b"{}")
    assert not changes_state(_environ(target="secretsmanager.GetSecretValue"), b"{}")
    assert not changes_state({**_environ(), **form}, b"Action=GetQueueUrl&QueueName=q")
    assert not changes_state(_environ("GET"), b"")  # REST: S3 GetObject, sesv2 reads
    assert changes_state(_environ(target="DynamoDB_20120810.UpdateItem"), b"{}")
    assert changes_state(_environ(target="AmazonSQS.ReceiveMessage"), b"{}")  # visibility
    assert changes_state(_environ(target="AmazonSQS.DeleteMessage"), b"{}")
    assert changes_state({**_environ(), **form}, b"Action=SendEmail")
    assert changes_state(_environ("PUT"), b"data")  # REST: S3 PutObject
    assert changes_state(_environ(target="Unknown.SomethingNew"), b"{}")  # unknown: kept
