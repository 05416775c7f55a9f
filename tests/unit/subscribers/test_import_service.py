from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.services.subscriber_import import (
    ImportOptions,
    OnExisting,
    import_subscribers,
)
from tests.unit.subscribers.fakes import FakeClock, FakeSubscriberStore, RecordingRejects, record


def run(records, store, **options):
    rejects = RecordingRejects()
    report = import_subscribers(records, store, FakeClock(), rejects, ImportOptions(**options))
    return report, rejects


def test_every_row_is_accounted_for():
    store = FakeSubscriberStore(Subscriber("old@x.io", name="Old"))
    records = [
        record(2, email="new@x.io", name="New"),
        record(3, email="bad@", name="Bad"),
        record(4, email="NEW@x.io", name="New Again"),
        record(5, email="old@x.io", name="Old Renamed"),
        record(6, email="", name="Nobody"),
    ]
    report, rejects = run(records, store, lists=frozenset({"news"}))
    assert (report.read, report.imported, report.updated, report.duplicates, report.rejected) == (
        5,
        1,
        1,
        1,
        2,
    )
    assert report.accounted == report.read
    assert [(r.line, reason.split(":")[0]) for r, reason in rejects.rows] == [
        (3, "invalid email 'bad@'"),
        (6, "missing email"),
    ]
    assert store.items["new@x.io"].name == "New Again"
    assert store.items["old@x.io"].name == "Old Renamed"
    assert ("news", "old@x.io") in store.memberships


def test_a_duplicate_arriving_after_its_first_row_was_written_still_merges():
    first = [record(2, email="early@x.io", name="Early", city="Oslo")]
    filler = [record(3 + i, email=f"f{i}@x.io") for i in range(250)]
    late = [record(300, email="EARLY@x.io", plan="pro")]
    store = FakeSubscriberStore()
    report, _ = run(first + filler + late, store, workers=1)
    assert report.duplicates == 1
    assert report.imported == 251
    assert store.items["early@x.io"].attributes == {"city": "Oslo", "plan": "pro"}


def test_reimporting_the_same_file_changes_nothing():
    records = [record(2, email="a@x.io", name="A"), record(3, email="b@x.io", name="B")]
    store = FakeSubscriberStore()
    run(records, store, lists=frozenset({"l"}))
    writes = store.writes
    report, _ = run(records, store, lists=frozenset({"l"}))
    assert (report.imported, report.updated, report.unchanged) == (0, 0, 2)
    assert store.writes == writes


def test_skip_leaves_existing_subscribers_untouched():
    store = FakeSubscriberStore(Subscriber("a@x.io", name="Keep"))
    report, _ = run([record(2, email="a@x.io", name="Change")], store, on_existing=OnExisting.SKIP)
    assert report.skipped == 1
    assert store.items["a@x.io"].name == "Keep"


def test_dry_run_counts_but_writes_nothing():
    store = FakeSubscriberStore()
    report, _ = run([record(2, email="a@x.io"), record(3, email="b@x.io")], store, dry_run=True)
    assert report.imported == 2
    assert store.items == {}


def test_import_cannot_resubscribe_an_unsubscribed_address():
    store = FakeSubscriberStore(Subscriber("a@x.io", status=SubscriberStatus.UNSUBSCRIBED))
    run([record(2, email="a@x.io", status="subscribed", name="A")], store)
    assert store.items["a@x.io"].status is SubscriberStatus.UNSUBSCRIBED


def test_progress_reaches_every_row():
    seen: list[int] = []
    store = FakeSubscriberStore()
    rows = [record(i, email=f"u{i}@x.io") for i in range(2, 352)]
    import_subscribers(
        rows, store, FakeClock(), RecordingRejects(), ImportOptions(), progress=seen.append
    )
    assert seen[-1] == 350
    assert seen == sorted(seen)
