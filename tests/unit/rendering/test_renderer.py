"""Rendering by template name: required variables first, then subject, HTML and text."""

from __future__ import annotations

import pytest

from tctfmsg.core.errors import InvalidInput, NotFound
from tctfmsg.rendering import MissingVariables, RenderedEmail

from .conftest import ASSETS

SUBSCRIBER = {"email": "ada@example.com", "first_name": "Ada", "unsubscribe_url": "https://u/x?t=1"}


def test_renders_subject_html_and_text_from_the_same_data(renderer):
    email = renderer.render("newsletter", SUBSCRIBER)
    assert isinstance(email, RenderedEmail)
    assert email.subject.startswith("What's new at tctfmsg")
    assert "Hi Ada," in email.html and "Hi Ada," in email.text
    assert 'href="https://u/x?t=1"' in email.html
    assert "Unsubscribe: https://u/x?t=1" in email.text
    assert f'src="{ASSETS}/logo.png"' in email.html
    assert "<html" not in email.text


def test_a_missing_required_variable_is_refused_by_name(renderer):
    with pytest.raises(MissingVariables) as caught:
        renderer.render("verify_email", {"first_name": "Ada"})
    assert isinstance(caught.value, InvalidInput)
    assert "'verify_email'" in str(caught.value) and "verify_url" in str(caught.value)
    assert caught.value.missing == ("verify_url",)


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_blank_counts_as_missing_so_no_empty_greeting_goes_out(renderer, empty):
    with pytest.raises(MissingVariables, match="unsubscribe_url"):
        renderer.render("welcome", {**SUBSCRIBER, "unsubscribe_url": empty})


def test_every_missing_variable_is_named_at_once(renderer):
    with pytest.raises(MissingVariables) as caught:
        renderer.render("new_signin", {"device": "Firefox"})
    assert caught.value.missing == ("location", "signed_in_at", "secure_url")


def test_optional_first_name_falls_back_instead_of_failing(renderer):
    email = renderer.render("newsletter", {"unsubscribe_url": "https://u/x"})
    assert "Hi there," in email.html and "Hi ," not in email.html
    assert "Hi there," in email.text


def test_subscriber_data_is_escaped_in_html_and_left_plain_in_text(renderer):
    data = {**SUBSCRIBER, "first_name": "<script>O'Hara</script>"}
    email = renderer.render("welcome", data)
    assert "&lt;script&gt;O&#x27;Hara&lt;/script&gt;" in email.html
    assert "<script>O'Hara" not in email.html
    assert "Hi <script>O'Hara</script>," in email.text
    assert email.subject == "Welcome to tctfmsg, <script>O'Hara</script>!"


def test_campaigns_carry_the_unsubscribe_link_and_transactional_do_not(renderer):
    campaign = renderer.render("product_update", SUBSCRIBER)
    security = renderer.render("password_reset", {"reset_url": "https://r/1"})
    assert "Unsubscribe" in campaign.html
    assert "Unsubscribe" not in security.html
    assert "service message" in security.html


def test_outlook_gets_a_vml_button_and_others_an_html_one(renderer):
    html = renderer.render("password_reset", {"reset_url": "https://r/1?a=1&b=2"}).html
    vml = html.index("<!--[if mso]>\n<v:roundrect")
    assert 'href="https://r/1?a=1&amp;b=2"' in html[vml : html.index("<![endif]-->", vml)]
    assert '<!--[if !mso]><!-- -->\n<a class="button-link" href="https://r/1?a=1&amp;b=2"' in html


def test_sms_renders_its_own_part_unescaped(renderer):
    sms = renderer.render_sms("mfa_code", {"code": "12<34"})
    assert sms == "tctfmsg: your sign-in code is 12<34. It expires in 10 minutes. Never share it."
    with pytest.raises(NotFound, match="no SMS part"):
        renderer.render_sms("welcome", SUBSCRIBER)


def test_unknown_template_is_not_found(renderer):
    with pytest.raises(NotFound, match="no template named 'nope'"):
        renderer.render("nope", {})


def test_templates_compile_once_per_version(renderer):
    first = renderer.compiled("newsletter")
    renderer.render("newsletter", SUBSCRIBER)
    assert renderer.compiled("newsletter") is first


def test_no_shipped_template_writes_data_unescaped_into_html(renderer):
    from tctfmsg.rendering.engine import Var, walk

    for name in renderer.registry.templates():
        html_tree = renderer.compiled(name).trees.html
        raw = [node.key for _, node in walk(html_tree) if isinstance(node, Var) and not node.escape]
        assert raw == [], f"{name} writes {raw} unescaped"
