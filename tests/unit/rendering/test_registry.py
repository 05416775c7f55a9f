"""The registry is checked at start-up against the templates it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tctfmsg.rendering import RegistryError, load_registry


def test_shipped_registry_loads_with_types_channels_and_subjects():
    registry = load_registry()
    mfa = registry["mfa_code"]
    assert mfa.category == "transactional" and mfa.security_critical
    assert mfa.channels == ("sms", "email") and mfa.default_channel == "sms"
    assert mfa.required == ("code",)
    assert mfa.subject == "Your {{brand_name}} sign-in code: {{code}}"
    newsletter = registry["newsletter"]
    assert newsletter.category == "campaign" and not newsletter.security_critical
    assert newsletter.required == ("unsubscribe_url",)
    expected = {
        "welcome",
        "verify_email",
        "password_reset",
        "mfa_code",
        "account_locked",
        "email_changed",
        "new_signin",
        "newsletter",
        "holiday_greeting",
        "product_update",
        "unread_messages",
    }
    assert expected <= set(registry)
    assert registry["account_locked"].channels == ("email", "sms")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_an_entry_naming_a_missing_template_names_both(scratch: Path):
    _edit(
        scratch / "registry.toml",
        "[types.newsletter]\n",
        '[types.newsletter]\ntemplate = "newsleter"\n',
    )
    with pytest.raises(RegistryError) as caught:
        load_registry(scratch)
    assert "[types.newsletter]" in str(caught.value) and "'newsleter'" in str(caught.value)


def test_an_undeclared_variable_names_template_and_entry(scratch: Path):
    html = scratch / "messages" / "welcome" / "html.mustache"
    html.write_text(html.read_text() + "<p>{{coupon_code}}</p>\n")
    with pytest.raises(RegistryError) as caught:
        load_registry(scratch)
    message = str(caught.value)
    assert "'welcome'" in message and "{{coupon_code}}" in message
    assert "[types.welcome]" in message


def test_a_partial_variable_counts_for_every_template_using_it(scratch: Path):
    footer = scratch / "partials" / "footer.mustache"
    footer.write_text(footer.read_text().replace("{{company_address}}", "{{company_adress}}"))
    with pytest.raises(RegistryError, match="company_adress"):
        load_registry(scratch)


def test_default_channel_must_be_allowed(scratch: Path):
    _edit(scratch / "registry.toml", 'default_channel = "sms"', 'default_channel = "whatsapp"')
    with pytest.raises(RegistryError, match="default_channel 'whatsapp' is not in channels"):
        load_registry(scratch)


def test_an_sms_channel_needs_an_sms_part(scratch: Path):
    (scratch / "messages" / "mfa_code" / "sms.mustache").unlink()
    with pytest.raises(RegistryError, match="allows sms but template 'mfa_code' has no sms part"):
        load_registry(scratch)


def test_shipped_registry_declares_who_may_be_rerouted():
    registry = load_registry()
    assert registry["account_locked"].fallback == ("sms", "email")
    assert registry["mfa_code"].fallback == ()  # an MFA code is never rerouted
    assert registry["verify_email"].fallback == ()  # absent: no fallback


def test_a_fallback_channel_must_be_one_of_the_types_channels(scratch: Path):
    _edit(scratch / "registry.toml", 'fallback = ["sms", "email"]', 'fallback = ["whatsapp"]')
    with pytest.raises(RegistryError, match=r"\[types.account_locked\].*whatsapp not in channels"):
        load_registry(scratch)


def test_a_fallback_must_be_a_list_of_channel_names(scratch: Path):
    _edit(scratch / "registry.toml", 'fallback = ["sms", "email"]', 'fallback = "sms"')
    with pytest.raises(RegistryError, match="fallback must be a list of channel names"):
        load_registry(scratch)


def test_a_fallback_may_not_name_a_channel_twice(scratch: Path):
    _edit(scratch / "registry.toml", 'fallback = ["sms", "email"]', 'fallback = ["sms", "sms"]')
    with pytest.raises(RegistryError, match="fallback names a channel twice"):
        load_registry(scratch)
