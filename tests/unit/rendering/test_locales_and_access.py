"""Templates in the recipient's language, readable by everyone: every locale of every template
validates, the fallback chain, right-to-left layout, Babel's formats, and the checks that catch
an untranslated string or unreadable text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tctfmsg.core.errors import InvalidInput
from tctfmsg.rendering import FileTemplateStore, Renderer, load_registry, locales
from tctfmsg.rendering.accessibility import accessibility_problems, contrast_ratio, parse_colour
from tctfmsg.rendering.checks import validate_template
from tctfmsg.rendering.language import canonical, direction, resolve
from tctfmsg.rendering.registry import parse_registry
from tctfmsg.rendering.store import TEMPLATES_DIR
from tctfmsg.rendering.variants import SECURITY_LOCALES, TRANSACTIONAL_LOCALES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SHIPPED = FileTemplateStore(TEMPLATES_DIR).names()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_template_validates_in_every_locale_it_has(
    name: str, files: FileTemplateStore
) -> None:
    registry = load_registry()
    entry = registry.for_template(name)

    assert validate_template(name, registry, files) == []
    needed = SECURITY_LOCALES if entry.security_critical else TRANSACTIONAL_LOCALES
    if entry.category == "transactional":
        assert set(needed) <= set(locales(name))


def test_the_library_has_thirty_templates_and_every_security_one_reads_right_to_left() -> None:
    registry = load_registry()
    critical = [e.template for e in registry.values() if e.security_critical]

    assert len(SHIPPED) >= 30
    assert len(critical) >= 10
    assert all("ar" in locales(name) for name in critical)


def test_the_locale_falls_back_from_region_to_language_to_the_default() -> None:
    assert resolve(("en", "pt", "pt-BR"), "pt-BR") == "pt-BR"
    assert resolve(("en", "pt"), "pt-BR") == "pt"
    assert resolve(("en", "de"), "pt-BR") == "en"
    assert resolve(("en", "pt-BR"), "pt_br") == "pt-BR"
    assert resolve(("en", "de"), None) == "en"
    assert canonical("zh_hant") == "zh-Hant"


@pytest.mark.parametrize("hostile", ["", "x", "en-", "en\n", "english", "de;rm -rf", "a" * 40, 7])
def test_a_malformed_locale_is_one_clear_error(hostile: object) -> None:
    with pytest.raises(InvalidInput, match="invalid locale"):
        resolve(("en",), hostile)  # type: ignore[arg-type]


def test_a_template_with_only_a_language_serves_its_regions(
    scratch: Path, files: FileTemplateStore
) -> None:
    strings = scratch / "messages" / "password_reset" / "strings.toml"
    strings.write_text(strings.read_text().replace("[pt-BR]", "[pt]"))
    store = FileTemplateStore(scratch)
    renderer = Renderer(store, load_registry(scratch), store.design())
    sample = store.get("password_reset").sample

    assert renderer.render("password_reset", sample, "pt-BR").subject.startswith("Redefina")
    assert renderer.render("password_reset", sample, "de-AT").subject.startswith("Setzen Sie")
    assert renderer.render("password_reset", sample, "ja").subject.startswith("Reset your")


def test_an_arabic_email_runs_right_to_left_and_an_english_one_left_to_right(
    renderer: Renderer, files: FileTemplateStore
) -> None:
    sample = files.get("password_changed").sample

    arabic = renderer.render("password_changed", sample, "ar").html
    english = renderer.render("password_changed", sample, "en").html

    assert '<html lang="ar" dir="rtl"' in arabic and 'class="outer" dir="rtl"' in arabic
    assert 'align="right"' in arabic and "text-align:right" in arabic
    assert '<html lang="en" dir="ltr"' in english and "text-align:left" in english
    assert direction("ar") == "rtl" and direction("de") == "ltr"


def test_dates_and_money_are_written_the_way_each_locale_writes_them(
    renderer: Renderer, files: FileTemplateStore
) -> None:
    sample = files.get("payment_receipt").sample  # 49.00 EUR, paid 2026-11-24

    english = renderer.render("payment_receipt", sample, "en").text
    german = renderer.render("payment_receipt", sample, "de").text
    french = renderer.render("payment_receipt", sample, "fr").text

    assert "€49.00" in english and "November 24, 2026" in english
    assert "49,00\xa0€" in german and "24. November 2026" in german
    assert "24 novembre 2026" in french
    assert "2026-11-24" not in english + german + french


@pytest.mark.parametrize(
    ("amount", "paid_at"), [(49.5, "2026-11-24"), ("49,00", "2026-11-24"), ("49.00", "24/11")]
)
def test_an_amount_or_date_of_the_wrong_shape_is_refused_naming_it(
    renderer: Renderer, files: FileTemplateStore, amount: object, paid_at: str
) -> None:
    data = {**files.get("payment_receipt").sample, "amount": amount, "paid_at": paid_at}

    with pytest.raises(InvalidInput, match=r"variable '(amount|paid_at)'"):
        renderer.render("payment_receipt", data, "de")


def test_contrast_follows_wcag_relative_luminance() -> None:
    black, white = parse_colour("#000"), parse_colour("white")
    assert black is not None and white is not None
    assert contrast_ratio(black, white) == pytest.approx(21.0)
    assert contrast_ratio(white, white) == pytest.approx(1.0)
    grey = parse_colour("rgb(119, 119, 119)")  # #777: the classic near miss
    assert grey is not None and 4.4 < contrast_ratio(grey, white) < 4.5


def test_validate_fails_the_low_contrast_fixture_and_names_the_text(scratch: Path) -> None:
    shutil.copytree(FIXTURES / "low_contrast_template", scratch / "messages" / "pale_notice")
    registry_file = scratch / "registry.toml"
    registry_file.write_text(
        registry_file.read_text()
        + '\n[types.pale_notice]\ncategory = "campaign"\nchannels = ["email"]\n'
        'required = ["unsubscribe_url"]\noptional = ["first_name"]\n'
    )
    registry, _ = parse_registry(registry_file)

    problems = validate_template("pale_notice", registry, FileTemplateStore(scratch))

    assert len(problems) == 1, problems
    assert "light grey on white" in problems[0] and "#b8bcc6 on #ffffff" in problems[0]
    assert "under 4.5:1" in problems[0]


def test_accessibility_finds_missing_lang_alt_and_layout_roles() -> None:
    html = (
        '<!DOCTYPE html><html><body><table><tr><td><img src="x.png"></td></tr></table>'
        "</body></html>"
    )

    problems = accessibility_problems(html)

    assert '<html> has no lang="…"' in problems and '<html> has no dir="…"' in problems
    assert '1 <table>(s) without role="presentation"' in problems
    assert "1 <img>(s) without alt text" in problems


def test_an_untranslated_or_missing_string_is_reported(scratch: Path) -> None:
    strings = scratch / "messages" / "verify_email" / "strings.toml"
    text = strings.read_text()
    text = text.replace('button = "E-Mail bestätigen"', 'button = "Confirm my email"')
    text = text.replace('ignore = "¿No has creado una cuenta? Puedes ignorar este correo."\n', "")
    strings.write_text(text)
    store = FileTemplateStore(scratch)

    problems = validate_template("verify_email", load_registry(scratch), store)

    assert any("[de] button: still the [en] text" in p for p in problems), problems
    assert any("[es] lacks ignore" in p for p in problems), problems


def test_a_transactional_template_without_its_locales_is_reported(scratch: Path) -> None:
    strings = scratch / "messages" / "email_verified" / "strings.toml"
    strings.write_text(strings.read_text().partition("[es]")[0])

    problems = validate_template(
        "email_verified", load_registry(scratch), FileTemplateStore(scratch)
    )

    assert problems == [
        "email_verified: a transactional template needs locale(s) es, fr, de, pt-BR in strings.toml"
    ]


def test_a_locale_that_drops_a_required_variable_is_reported(scratch: Path) -> None:
    strings = scratch / "messages" / "team_invitation" / "strings.toml"
    text = strings.read_text()
    text = text.replace(
        'subject = "{{inviter_name}} lädt Sie ein, {{team_name}} auf {{brand_name}} beizutreten"',
        'subject = "Einladung zu {{team_name}} auf {{brand_name}}"',
    )
    text = text.replace(
        'intro = "{{inviter_name}} hat Sie in den Arbeitsbereich',
        'intro = "Jemand hat Sie in den Arbeitsbereich',
    )
    strings.write_text(text)

    problems = validate_template(
        "team_invitation", load_registry(scratch), FileTemplateStore(scratch)
    )

    assert "team_invitation [de] differs from [en] in using inviter_name" in problems, problems


@given(
    available=st.lists(st.sampled_from(["de", "es", "fr", "pt", "pt-BR", "ar", "zh-Hant"])),
    requested=st.from_regex(r"\A[a-zA-Z]{2,3}([-_]([a-zA-Z]{2}|[0-9]{3}|[a-zA-Z]{4}))?\Z"),
)
def test_any_well_formed_locale_resolves_to_one_the_template_has(
    available: list[str], requested: str
) -> None:
    offered = ("en", *dict.fromkeys(available))

    chosen = resolve(offered, requested)

    assert chosen in offered
    if canonical(requested) in offered:
        assert chosen == canonical(requested)


def test_a_catalog_with_a_bad_locale_or_no_default_is_refused_naming_the_file(
    scratch: Path,
) -> None:
    strings = scratch / "messages" / "verify_email" / "strings.toml"
    original = strings.read_text()

    strings.write_text(original.replace("[pt-BR]", '["pt BR"]'))
    with pytest.raises(InvalidInput, match=r"verify_email/strings.toml: invalid locale 'pt BR'"):
        FileTemplateStore(scratch).get("verify_email")

    strings.write_text(original.replace("[en]", "[en-GB]"))
    with pytest.raises(InvalidInput, match=r"no \[en\] table"):
        FileTemplateStore(scratch).get("verify_email")


def test_every_variant_has_a_dark_mode_and_keeps_the_outlook_button(
    renderer: Renderer, files: FileTemplateStore
) -> None:
    for name in SHIPPED:
        source = files.get(name)
        for locale in source.locales:
            html = renderer.render(name, source.sample, locale).html
            assert "@media (prefers-color-scheme: dark)" in html, (name, locale)
            assert '<meta name="color-scheme" content="light dark">' in html, (name, locale)
            if "button_url" in source.slots:
                assert "<v:roundrect" in html and 'class="button-link"' in html, (name, locale)
