"""Transactional notifications: users, notifications, the attempt ledger, SMS rate windows, the
notification queue and its dead-letter queue, the messaging keys, and the API, worker and DLQ
monitor, all from the spec (with the notification API behind an IAM-authorised REST API).

Beyond the spec (docs/decisions/0071): the worker's instances are reserved in the account, so
other functions can never take the capacity an MFA code needs, and the worker, alone, may
publish status events on the stage's bus (settings `status_event_bus`, by default the account's
default bus) and send SMS through End User Messaging SMS.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from cdk.components.alarms import add_notification_alarms
from cdk.components.channel_grants import grant_send_sms, grant_status_events
from cdk.components.function_settings import stage_setting
from cdk.stacks.service_stack import ServiceStack
from tctfmsg.core.specs.communication import STATUS_EVENT_SOURCE

WORKER = "notification_worker"


class CommunicationStack(ServiceStack):
    service = "communication"
    reserved = (WORKER,)

    def __init__(self, scope: Construct, *, stage: str, **kwargs: Any) -> None:
        super().__init__(scope, stage=stage, **kwargs)
        worker = self.functions.functions[WORKER]
        bus = stage_setting(self, "status_event_bus")
        if bus:  # empty: the worker publishes nothing (tctfmsg/communication/bootstrap.py)
            grant_status_events(worker, bus=bus, source=STATUS_EVENT_SOURCE)
        grant_send_sms(worker)
        add_notification_alarms(self.alarms)
