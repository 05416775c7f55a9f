"""`tctfmsg template …`: list, preview, validate and push message templates."""

from __future__ import annotations

import tempfile
import webbrowser
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tctfmsg.cli.console import console, err_console, print_json
from tctfmsg.cli.context import state
from tctfmsg.core.errors import StackNotRunning
from tctfmsg.rendering import catalog, ses
from tctfmsg.rendering import preview as screenshots
from tctfmsg.rendering.checks import load_registry
from tctfmsg.rendering.renderer import Renderer

app = typer.Typer(no_args_is_help=True, help="Preview, validate and publish message templates.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List templates: category, channels, required variables and where each is stored."""
    runtime = state(ctx)
    files = runtime.templates.files
    registry = load_registry(files.root)
    config, hosted, note = None, None, None
    try:
        config = runtime.templates.store.config
        hosted = ses.hosted(runtime.clients.client("ses"))
    except StackNotRunning:
        note = "config table and SES not checked: the embedded stack is not running"
    rows = catalog.describe(registry, files, config, hosted, runtime.settings.stage)
    if as_json:
        print_json(rows)
        return
    table = Table("template", "category", "channels", "required", "stored")
    for row in rows:
        channels = ", ".join(
            f"[bold]{c}[/]" if c == row["default_channel"] else c for c in row["channels"]
        )
        category = row["category"] + (" [red](security)[/]" if row["security_critical"] else "")
        table.add_row(
            row["name"], category, channels, ", ".join(row["required"]), ", ".join(row["stored"])
        )
    console.print(table)
    if note:
        err_console.print(f"[dim]{note}[/]")


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
) -> None:
    """Render a template with its sample data (or --data) to see exactly what would be sent."""
    runtime = state(ctx)
    files = runtime.templates.files
    registry = load_registry(files.root)
    template = catalog.template_name(registry, name)
    values = catalog.load_data(data, files.get(template).sample)
    assets = files.design().assets_dir.resolve().as_uri()
    renderer = Renderer(files, registry, files.design(), {"asset_base_url": assets})
    if sms:
        _emit(renderer.render_sms(template, values) + "\n", out)
        return
    email = renderer.render(template, values)
    err_console.print(f"[bold]subject:[/] {escape(email.subject)}")
    _emit(email.text if text else email.html, out)
    if png:
        height = screenshots.screenshot(email.html, png, width)
        err_console.print(f"screenshot {width}x{height}px written to {png}")
    if open_browser:
        target = out if out and not text else _temporary(email.html)
        webbrowser.open(target.resolve().as_uri())


def _emit(rendered: str, out: Path | None) -> None:
    if out is None:
        if not (rendered and rendered.strip()):
            return
        typer.echo(rendered, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(rendered)
    err_console.print(f"written to {out}")


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
    runtime = state(ctx)
    files = runtime.templates.files
    results = catalog.validate(files, name, runtime.templates.constants)
    count = sum(len(p) for p in results.values())
    checked = len(results) - 1
    if as_json:
        print_json({"checked": checked, "problems": count, "templates": results})
    else:
        for template, problems in results.items():
            for problem in problems:
                console.print(f"[red]✗[/] {escape(template)}: {escape(problem)}", soft_wrap=True)
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
    runtime = state(ctx)
    files = runtime.templates.files
    registry = load_registry(files.root)
    names = [catalog.template_name(registry, name)] if name else registry.templates()
    config = runtime.templates.store.config
    client = runtime.clients.client("ses") if to_ses else None
    for template in names:
        result = catalog.push(
            template,
            registry,
            files,
            config,
            runtime.templates.constants,
            client,
            runtime.settings.stage,
        )
        what = f"v{result.version}" if result.changed else f"unchanged, still v{result.version}"
        hosted = (
            f"; SES template {ses.ses_template_name(runtime.settings.stage, template)} {result.ses}"
            if result.ses
            else ""
        )
        console.print(f"[green]pushed[/] {template}: config table {what}{hosted}")
