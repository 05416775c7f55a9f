"""What goes to SES must render under Handlebars as it does here: the subset check, and a
Handlebars implementation (pybars3) rendering the flattened campaign templates."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pybars
import pytest

from tctfmsg.rendering import ses
from tctfmsg.rendering.renderer import compile_template
from tctfmsg.rendering.ses import NotHostable, handlebars_problems, ses_template_data

SUBSCRIBER = {
    "email": "ada@example.com",
    "first_name": "Ada",
    "unsubscribe_url": "https://u/x?t='1'&b",
}


def _words(text: str) -> str:
    return " ".join(html.unescape(text).split())


@pytest.mark.parametrize("data", [SUBSCRIBER, {"unsubscribe_url": "https://u/y", "first_name": ""}])
def test_campaign_templates_render_the_same_under_handlebars(renderer, data):
    compiler = pybars.Compiler()
    campaigns = [
        n
        for n in renderer.registry.templates()
        if renderer.registry.for_template(n).category == "campaign"
    ]
    assert len(campaigns) >= 4
    for name in campaigns:
        hosted = ses.to_ses(renderer.compiled(name), "test")
        ours = renderer.render(name, data)
        values = ses_template_data(data)
        theirs_html = str(compiler.compile(hosted.html)(values))
        theirs_text = str(compiler.compile(hosted.text)(values))
        theirs_subject = str(compiler.compile(hosted.subject)(values))
        assert _words(theirs_html) == _words(ours.html), name
        assert _words(theirs_text) == _words(ours.text), name
        assert theirs_subject == ours.subject, name


def _compiled(renderer, html_body: str):
    base = renderer.compiled("newsletter")
    source = replace(base.source, html=html_body, version="test")
    return compile_template(source, base.entry, renderer.design, renderer.constants)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{{#first_name}}Hi {{first_name}}{{/first_name}}", "reads outer data"),
        ("{{#items}}{{.}}{{/items}}", "Handlebars has no '.'"),
        ("{{#each}}x{{/each}}", "not a plain name"),
        ("{{=<% %>=}}<% first_name %> {{literal}}", "literal text contains '{{'"),
        ("\\{{first_name}}", "backslash before a tag"),
    ],
)
def test_mustache_outside_the_subset_is_refused_with_the_reason(renderer, body, reason):
    compiled = _compiled(renderer, body)
    assert any(reason in p for p in handlebars_problems(compiled.trees, compiled.entry))
    with pytest.raises(NotHostable, match="cannot be hosted in SES"):
        ses.to_ses(compiled, "test")


def test_section_fields_and_inverted_fallbacks_are_in_the_subset(renderer):
    body = (
        "{{#articles}}<a href='{{url}}'>{{title}}</a>{{/articles}}"
        "Hi {{first_name}}{{^first_name}}there{{/first_name}}"
    )
    compiled = _compiled(renderer, body)
    assert handlebars_problems(compiled.trees, compiled.entry) == []


def test_flattened_template_has_no_partials_and_raw_text_parts(renderer):
    hosted = ses.to_ses(renderer.compiled("newsletter"), "prod")
    assert re.fullmatch(r"tctfmsg-prod-newsletter-[0-9a-f]{10}", hosted.name)
    assert "{{>" not in hosted.html and "{{unsubscribe_url}}" in hosted.html
    assert "{{{unsubscribe_url}}}" in hosted.text
    # the campaign's own subject, else the template's (brand name inlined)
    assert hosted.subject == (
        "{{^subject}}What's new at tctfmsg: faster campaigns, provider failover & better "
        "subject lines{{/subject}}{{{subject}}}"
    )


def test_a_changed_template_is_a_new_ses_template_and_an_unchanged_one_keeps_its_name(
    renderer,
):
    before = ses.to_ses(renderer.compiled("newsletter"), "prod")
    assert ses.to_ses(renderer.compiled("newsletter"), "prod").name == before.name
    edited = _compiled(renderer, "<p>Issue 2</p>")
    assert ses.to_ses(edited, "prod").name != before.name
    assert ses.is_ses_name_of(before.name, "prod", "newsletter")
    assert not ses.is_ses_name_of(before.name, "prod", "news")


def test_template_data_drops_empty_values():
    assert ses_template_data({"a": "", "b": None, "c": [], "d": 0, "e": "x"}) == {"d": 0, "e": "x"}
