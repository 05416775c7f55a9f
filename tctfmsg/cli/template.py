"""`tctfmsg template …`: list, preview, validate and push message templates."""

from __future__ import annotations

import tempfile
import webbrowser
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from tctfmsg.cli.console import console, err_console, literal, print_json
from tctfmsg.cli.context import state
from tctfmsg.rendering import gallery as gallery_service
from tctfmsg.rendering import service
from tctfmsg.rendering.service import Part

app = typer.Typer(no_args_is_help=True, help="Preview, validate and publish message templates.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List templates: category, channels, locales, required variables and where each is
    stored."""
    listing = service.list_templates(state(ctx).templates.template_deps)
    rows = listing.rows
    if as_json:
        print_json(rows)
        return
    table = Table("template", "category", "channels", "locales", "required", "stored")
    for row in rows:
        channels = ", ".join(
            f"[bold]{literal(c)}[/]" if c == row["default_channel"] else literal(c)
            for c in row["channels"]
        )
        category = literal(row["category"]) + (
            " [red](security)[/]" if row["security_critical"] else ""
        )
        required, stored = ", ".join(row["required"]), ", ".join(row["stored"])
        locales = literal(" ".join(row["locales"]))
        table.add_row(
            literal(row["name"]), category, channels, locales, literal(required), literal(stored)
        )
    console.print(table)
    if listing.unchecked:
        err_console.print(f"[dim]{literal(listing.unchecked)}[/]")


@app.command()
def preview(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Template name or notification type.")],
    data: Annotated[
        Path | None, typer.Option(help="JSON object of variables; default: the sample data.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the rendering here, not to stdout.")
    ] = None,
    text: Annotated[
        bool, typer.Option("--text", help="The subject and plain-text part instead of HTML.")
    ] = False,
    sms: Annotated[bool, typer.Option("--sms", help="The SMS part instead of email.")] = False,
    png: Annotated[
        Path | None, typer.Option(help="Also write a screenshot from headless Chromium.")
    ] = None,
    width: Annotated[int, typer.Option(min=280, max=1600, help="Screenshot width in px.")] = 700,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the HTML in your browser.")
    ] = False,
    locale: Annotated[
        str | None,
        typer.Option(help="Language variant, e.g. de or pt-BR (falls back pt-BR → pt → en)."),
    ] = None,
) -> None:
    """Render a template with its sample data (or --data) to see exactly what would be sent."""
    part = Part.SMS if sms else Part.TEXT if text else Part.HTML
    deps = state(ctx).templates.template_deps
    shown = service.preview(deps, name, data, part, png, width, locale)
    if locale is not None and shown.locale != locale:
        err_console.print(f"[dim]locale:[/] {literal(shown.locale)} (nearest to {literal(locale)})")
    if shown.subject is not None:
        err_console.print(f"[bold]subject:[/] {literal(shown.subject)}")
    _emit(shown.body, out)
    if shown.png_height is not None:
        err_console.print(f"screenshot {width}x{shown.png_height}px written to {literal(str(png))}")
    if open_browser and shown.html is not None:
        target = out if out and part is Part.HTML else _temporary(shown.html)
        webbrowser.open(target.resolve().as_uri())


def _emit(rendered: str, out: Path | None) -> None:
    if out is None:
        if not (rendered and rendered.strip()):
            return
        typer.echo(rendered, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(rendered)
    err_console.print(f"written to {literal(str(out))}")


def _temporary(html: str) -> Path:
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as handle:
        handle.write(html)
    return Path(handle.name)


@app.command()
def validate(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this template (or type).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Check templates: they parse, match the registry, render their samples, are well-formed
    HTML under Gmail's 102 KB clipping limit, and campaigns are hostable in SES."""
    validation = service.validate(state(ctx).templates.template_deps, name)
    count, checked, results = validation.problems, validation.checked, validation.templates
    if as_json:
        print_json({"checked": checked, "problems": count, "templates": results})
    else:
        for template, problems in results.items():
            for problem in problems:
                console.print(
                    f"[red]✗[/] {literal(template)}: {literal(problem, 1000)}", soft_wrap=True
                )
        mark = "[green]✓[/]" if count == 0 else "[red]✗[/]"
        console.print(f"{mark} {checked} template(s) checked, {count} problem(s)")
    if count:
        raise typer.Exit(1)


@app.command()
def push(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this template (or type).")] = None,
    to_ses: Annotated[
        bool, typer.Option("--ses", help="Also create or update the SES-hosted template.")
    ] = False,
) -> None:
    """Upload templates from templates/ to the config table as a new version, and to SES."""
    for pushed in service.push(state(ctx).templates.template_deps, name, to_ses):
        what = f"v{pushed.version}" if pushed.changed else f"unchanged, still v{pushed.version}"
        hosted = f"; SES template {pushed.ses_template} {pushed.ses}" if pushed.ses else ""
        console.print(f"[green]pushed[/] {literal(pushed.name)}: config table {what}{hosted}")


@app.command()
def gallery(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Folder for the PNGs and index.html.")] = Path(
        "gallery"
    ),
    locale: Annotated[
        str | None,
        typer.Option(help="Only this locale, or `all`; default: each template's default."),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open index.html in your browser.")
    ] = False,
) -> None:
    """Render every template at 700 and 375 px in headless Chromium, in parallel, and write
    an index.html showing them side by side with subject, preheader, category and channels."""
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("rendering", total=None)
        shown = gallery_service.render_gallery(
            state(ctx).templates.template_deps,
            out,
            locale,
            progress=lambda done, total, _: bar.update(task, completed=done, total=total),
        )
    for card in shown.cards:
        if card.error:
            err_console.print(f"[red]✗[/] {literal(card.template)}: {literal(card.error)}")
        for width, why in sorted(card.shot_errors.items()):
            err_console.print(f"[red]✗[/] {literal(card.template)} {width}px: {literal(why)}")
    mark = "[green]✓[/]" if not shown.failures else "[red]✗[/]"
    console.print(
        f"{mark} {len(shown.cards)} template(s), {shown.pictures} screenshot(s), "
        f"{shown.failures} failure(s): {literal(str(shown.index))}"
    )
    if open_browser:
        webbrowser.open(shown.index.resolve().as_uri())
    if shown.failures:
        raise typer.Exit(1)
