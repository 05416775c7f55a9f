import pytest

from tctfmsg.core import resources, settings
from tctfmsg.core.errors import ConfigurationError


def test_physical_names_derive_from_stage_and_logical_name():
    assert resources.table("list_members").physical_name("prod") == "tctfmsg-prod-list-members"
    assert resources.ResourceNames("dev")["delivery_dlq"] == "tctfmsg-dev-delivery-dlq"


def test_outputs_override_derived_names():
    names = resources.ResourceNames("prod", {"subscribers": "Custom-Table"})
    assert names["subscribers"] == "Custom-Table"


def test_every_queue_dead_letter_target_is_declared():
    logical = {q.logical for q in resources.QUEUES}
    assert all(q.dead_letter in logical for q in resources.QUEUES if q.dead_letter)


def test_table_attributes_cover_every_key_and_index_key():
    spec = resources.table("campaigns")
    assert spec.attributes() == {"campaign_id": "S", "status": "S", "send_at": "S"}


def test_output_key_is_pascal_case():
    assert resources.output_key("list_members") == "ListMembersName"


def test_invalid_setting_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("TCTFMSG_STAGE", "Prod Stage")
    with pytest.raises(ConfigurationError) as error:
        settings.load()
    assert "invalid setting stage" in error.value.message
    assert "TCTFMSG_STAGE" in (error.value.hint or "")


def test_cli_overrides_beat_the_environment(monkeypatch):
    monkeypatch.setenv("TCTFMSG_TARGET", "local")
    assert settings.load(target="aws", stage="prod").target == "aws"
