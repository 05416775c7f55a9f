"""The compiled renderer against chevron: same Mustache, plus ' escaped, compiled once."""

from __future__ import annotations

import html

import chevron
import pytest

from tctfmsg.rendering import engine
from tctfmsg.rendering.engine import TemplateSyntaxError


def render(template: str, data: dict, partials: dict[str, str] | None = None) -> str:
    parsed = {k: engine.tokens_of(v, k) for k, v in (partials or {}).items()}
    tree = engine.build_tree(engine.tokens_of(template, "t"), parsed, "t")
    return engine.compile_nodes(tree)([data])


def test_variables_escape_single_quotes_too():
    out = render("<a title='{{t}}'>{{t}}</a>", {"t": 'O\'Brien & <Co> "x"'})
    assert out == (
        "<a title='O&#x27;Brien &amp; &lt;Co&gt; &quot;x&quot;'>"
        "O&#x27;Brien &amp; &lt;Co&gt; &quot;x&quot;</a>"
    )


def test_triple_stash_and_ampersand_are_raw_only_where_written():
    out = render("{{{raw}}}|{{& raw}}|{{raw}}", {"raw": "<b>'hi'</b>"})
    assert out == "<b>'hi'</b>|<b>'hi'</b>|&lt;b&gt;&#x27;hi&#x27;&lt;/b&gt;"


def test_unescaped_tree_leaves_text_parts_alone():
    tree = engine.build_tree(engine.tokens_of("{{a}}", "t"), {}, "t", escape_variables=False)
    assert engine.compile_nodes(tree)([{"a": "Tom & Jerry's <3"}]) == "Tom & Jerry's <3"


def test_sections_lists_inverted_and_dotted_names():
    template = (
        "{{#items}}[{{name}}:{{owner.name}}]{{/items}}{{^items}}none{{/items}}"
        "{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}{{owner.name}}"
    )
    data = {"items": [{"name": "a"}, {"name": "b"}], "owner": {"name": "Ada"}, "flag": False}
    assert render(template, data) == "[a:Ada][b:Ada]noAda"
    assert render(template, {"items": []}) == "noneno"


def test_zero_and_false_render_like_chevron():
    template = "{{n}}|{{f}}|{{none}}|{{empty}}|{{#n}}shown{{/n}}"
    data = {"n": 0, "f": False, "none": None, "empty": ""}
    assert render(template, data) == chevron.render(template, data) == "0|False|||"


def test_partials_inline_with_their_indentation():
    partials = {"row": "<td>{{x}}</td>\n<td>!</td>\n"}
    template = "<tr>\n  {{> row}}\n</tr>\n"
    data = {"x": "1"}
    assert render(template, data, partials) == chevron.render(
        template, data, partials_dict=partials
    )


def test_unknown_partial_and_bad_syntax_are_errors_naming_the_place():
    with pytest.raises(TemplateSyntaxError, match="partial 'nope'"):
        render("{{> nope}}", {})
    with pytest.raises(TemplateSyntaxError, match="does not parse"):
        render("{{#open}}never closed", {})


def test_constants_are_inlined_and_escaped():
    tree = engine.build_tree(
        engine.tokens_of("{{brand}} {{who}}", "t"), {}, "t", constants={"brand": "A&B"}
    )
    assert tree[0] == "A&amp;B "
    assert engine.compile_nodes(tree)([{"who": "x", "brand": "ignored"}]) == "A&amp;B x"


def test_every_shipped_template_renders_as_chevron_does(files, renderer):
    # Same template strings through plain chevron, in every locale: identical but for the
    # escaped '.
    for name, locale in [(n, lo) for n in renderer.registry.templates() for lo in _locales(n)]:
        compiled = renderer.compiled(name, locale)
        source = files.get(name)
        data = {**source.sample, **renderer.constants}
        partials = dict(files.design().partials)
        words = {**files.design().strings[locale], **source.strings.get(locale, {})}
        partials.update({f"t.{key}": text for key, text in words.items()})
        rtl = locale == "ar"
        partials.update(
            lang=locale,
            dir="rtl" if rtl else "ltr",
            start="right" if rtl else "left",
            end="left" if rtl else "right",
        )
        partials.update({slot: source.slots.get(slot, "") for slot in _slots()})
        partials["subject"] = source.subject
        note = f"footer_note_{compiled.entry.category}"
        partials["footer_note"] = partials[note]
        partials["content"] = source.html
        expected = chevron.render(files.design().layout_html, data, partials_dict=partials)
        ours = compiled.html([source.sample])
        assert html.unescape(ours) == html.unescape(expected), (name, locale)
        assert ours.replace("&#x27;", "'") == expected, (name, locale)


def _locales(name: str) -> tuple[str, ...]:
    from tctfmsg.rendering import locales

    return locales(name)


def _slots():
    from tctfmsg.rendering.renderer import SLOTS

    return SLOTS


def test_usage_separates_top_level_from_section_fields():
    tree = engine.build_tree(
        engine.tokens_of("{{a}}{{#list}}{{b}}{{/list}}{{^c}}{{d.e}}{{/c}}", "t"), {}, "t"
    )
    found = engine.usage(tree)
    assert found.top_level == {"a", "list", "c", "d"}
    assert found.nested == ((("list",), "b"),)


def test_to_mustache_round_trips_the_tree():
    text = "x{{a}}{{{b}}}{{#s}}{{c}}{{/s}}{{^s}}n{{/s}}{{! gone }}"
    tree = engine.build_tree(engine.tokens_of(text, "t"), {}, "t")
    assert engine.to_mustache(tree) == "x{{a}}{{{b}}}{{#s}}{{c}}{{/s}}{{^s}}n{{/s}}"
    assert engine.to_mustache(tree, raw_variables=True).startswith("x{{{a}}}")
