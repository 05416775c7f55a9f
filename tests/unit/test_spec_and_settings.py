import subprocess
import sys

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


def test_environment_names_are_read_in_any_case_and_typed_by_the_model(monkeypatch):
    monkeypatch.setenv("tctfmsg_local_port", "7000")
    monkeypatch.setenv("TCTFMSG_LOCAL_DURABLE", "false")
    monkeypatch.setenv("TCTFMSG_SEND_SHARE", "0.25")
    loaded = settings.load()
    assert (loaded.local_port, loaded.local_durable, loaded.send_share) == (7000, False, 0.25)


def test_region_comes_from_the_first_of_its_environment_names_that_is_set(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    assert settings.load().region == "eu-west-2"
    monkeypatch.setenv("TCTFMSG_REGION", "eu-west-3")
    assert settings.load().region == "eu-west-3"
    assert settings.load(region="us-east-1").region == "us-east-1"  # a CLI option beats all


def test_an_aliased_field_is_not_read_from_its_prefixed_name(monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("TCTFMSG_PROFILE", "ignored")
    assert settings.load().profile is None


def test_loading_settings_does_not_import_pydantic_settings():
    code = "import sys; from tctfmsg.core import settings; settings.load(); "
    code += "print('pydantic_settings' in sys.modules)"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.stdout.strip() == "False", ran.stderr
