"""An import can never (re-)subscribe a suppressed address: a new one is stored with the
status its suppression means, an existing one is raised to it, and the report counts them."""

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.services.subscriber_import import import_subscribers
from tctfmsg.email.suppression import Suppression, SuppressionReason
from tests.support.suppression_memory import MemorySuppressions
from tests.unit.subscribers.fakes import FakeClock, FakeSubscriberStore, RecordingRejects, record


def test_suppressed_addresses_are_imported_but_never_subscribed():
    suppressions = MemorySuppressions()
    for address, reason in (
        ("Bounced@x.io", SuppressionReason.BOUNCED),
        ("complained@x.io", SuppressionReason.COMPLAINED),
        ("manual@x.io", SuppressionReason.MANUAL),
        ("known@x.io", SuppressionReason.BOUNCED),
    ):
        suppressions.add(Suppression(address, reason, "test"))
    store = FakeSubscriberStore(Subscriber("known@x.io", name="Known"))
    records = [
        record(2, email="bounced@x.io"),
        record(3, email="complained@x.io"),
        record(4, email="manual@x.io"),
        record(5, email="known@x.io", status="subscribed"),
        record(6, email="fine@x.io"),
    ]

    report = import_subscribers(
        records, store, FakeClock(), RecordingRejects(), suppressions=suppressions
    )

    assert {k: s.status for k, s in store.items.items()} == {
        "bounced@x.io": SubscriberStatus.BOUNCED,
        "complained@x.io": SubscriberStatus.COMPLAINED,
        "manual@x.io": SubscriberStatus.UNSUBSCRIBED,
        "known@x.io": SubscriberStatus.BOUNCED,
        "fine@x.io": SubscriberStatus.SUBSCRIBED,
    }
    assert report.suppressed == 4
    assert (report.imported, report.updated) == (4, 1)
