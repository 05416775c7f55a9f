"""The CLI's side of the messaging endpoints (`local.providers.control`) against the real
endpoints: outbox records say their channel, and a device token can be made dead."""

from __future__ import annotations

import pytest

from tctfmsg.communication.adapters.push import FcmPushChannel
from tctfmsg.communication.ports import RecipientUnreachable
from tctfmsg.core.errors import InvalidInput
from tctfmsg.local.providers import control
from tctfmsg.local.state import StackCredentials, StackState
from tests.integration.channels.channel_endpoints import KEYS, outgoing


def running_with(**endpoints: str) -> control.StackAccess:
    running = StackState(
        pid=1, port=1, endpoint="http://127.0.0.1:1", started_at="", endpoints=endpoints
    )
    return control.StackAccess(running, StackCredentials("TCTFTEST", "test-secret"))


def test_unregister_makes_fcm_answer_unregistered_for_that_token(fcm_endpoint) -> None:
    _, url = fcm_endpoint
    push = FcmPushChannel(lambda: KEYS["fcm_token"], lambda: KEYS["fcm_project"], url, 2)
    push.send(outgoing("tok-alive", "push"))

    control.unregister(running_with(push=url), "tok-dead")

    with pytest.raises(RecipientUnreachable) as caught:
        push.send(outgoing("tok-dead", "push"))
    assert caught.value.forget is True
    [alive] = control.outbox(running_with(push=url), "push")
    assert (alive["channel"], alive["provider"], alive["to"]) == ("push", "fcm", "tok-alive")


def test_a_token_fcm_could_never_issue_is_one_clear_error(fcm_endpoint) -> None:
    _, url = fcm_endpoint

    with pytest.raises(InvalidInput, match="token must be a registration token"):
        control.unregister(running_with(push=url), "not a token")


def test_faults_switch_the_sms_endpoint(sms_endpoint) -> None:
    endpoint, url = sms_endpoint

    answer = control.set_fault(running_with(sms=url), "sms", "throttle", 0)

    assert answer["mode"] == "throttle" and endpoint.fault.mode == "throttle"
