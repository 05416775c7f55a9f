"""`tctfmsg campaign …`: create, schedule, send, pause, resume, cancel and watch campaigns."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Column, Table

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus, RenderMode, parse_filter
from tctfmsg.campaigns.services import campaigns
from tctfmsg.campaigns.services.views import campaign_json, delivery_failure_json
from tctfmsg.cli.console import console, literal, print_json
from tctfmsg.cli.context import state
from tctfmsg.core.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="Create, schedule and follow email campaigns.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
IdArgument = Annotated[str, typer.Argument(help="The campaign's ID (see `campaign list`).")]


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="What operators call it.")],
    template: Annotated[str, typer.Option(help="The email template to render.")],
    subject: Annotated[str, typer.Option(help="The subject line.")],
    list_name: Annotated[str, typer.Option("--list", help="The audience: a subscriber list.")],
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="Only subscribers whose attribute=value (repeatable)."),
    ] = None,
    sender: Annotated[
        str | None, typer.Option("--from", help="Sender address; default TCTFMSG_SENDER.")
    ] = None,
    render: Annotated[
        RenderMode,
        typer.Option(help="runtime: rendered here; hosted: SES renders its hosted template."),
    ] = RenderMode.RUNTIME,
    as_json: JsonOption = False,
) -> None:
    """Create a campaign as a DRAFT."""
    runtime = state(ctx)
    campaign = campaigns.create(
        runtime.campaigns.campaign_deps,
        name=name,
        subject=subject,
        template=template,
        list_name=list_name,
        filter=parse_filter(filters or []),
        sender=sender or runtime.settings.sender,
        render=render,
    )
    _show(campaign, as_json, f"created {campaign.campaign_id} (draft)")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[CampaignStatus | None, typer.Option(help="Only this status.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List campaigns, newest first."""
    found = campaigns.list_campaigns(state(ctx).campaigns.campaign_deps, status)
    if as_json:
        print_json([campaign_json(c) for c in found])
        return
    table = Table(
        Column("id", no_wrap=True), "name", "status", "send at", "sent", "failed", "skipped",
        "targeted",
    )  # fmt: skip
    for c in found:
        n = c.counters
        table.add_row(
            literal(c.campaign_id), literal(c.name), _status(c.status), _time(c.send_at),
            str(n.sent), str(n.failed), str(n.skipped), str(n.targeted),
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(found)} campaign{'s' if len(found) != 1 else ''}")


@app.command()
def show(ctx: typer.Context, campaign_id: IdArgument, as_json: JsonOption = False) -> None:
    """Show one campaign with its audience and counters."""
    _show(campaigns.get(state(ctx).campaigns.campaign_deps, campaign_id), as_json)


@app.command()
def schedule(
    ctx: typer.Context,
    campaign_id: IdArgument,
    at: Annotated[str, typer.Option("--at", help="ISO 8601 time, e.g. 2030-05-01T09:00Z.")],
    as_json: JsonOption = False,
) -> None:
    """Schedule a draft (or move a scheduled campaign) to send at a time."""
    when = parse_time(at)
    campaign = campaigns.schedule(state(ctx).campaigns.campaign_deps, campaign_id, when)
    _show(campaign, as_json, f"{campaign.campaign_id} scheduled for {_time(campaign.send_at)}")


@app.command("send-now")
def send_now(ctx: typer.Context, campaign_id: IdArgument, as_json: JsonOption = False) -> None:
    """Start sending now (`campaign status --watch` follows it)."""
    campaign = campaigns.send_now(state(ctx).campaigns.campaign_deps, campaign_id)
    _show(campaign, as_json, f"{campaign.campaign_id} is due now; the scheduler is starting it")


@app.command()
def pause(ctx: typer.Context, campaign_id: IdArgument, as_json: JsonOption = False) -> None:
    """Pause sending; what is not sent yet waits for `resume`."""
    campaign = campaigns.pause(state(ctx).campaigns.campaign_deps, campaign_id)
    _show(campaign, as_json, f"{campaign.campaign_id} paused")


@app.command()
def resume(ctx: typer.Context, campaign_id: IdArgument, as_json: JsonOption = False) -> None:
    """Resume a paused campaign where it stopped."""
    campaign = campaigns.resume(state(ctx).campaigns.campaign_deps, campaign_id)
    _show(campaign, as_json, f"{campaign.campaign_id} resumed")


@app.command()
def cancel(ctx: typer.Context, campaign_id: IdArgument, as_json: JsonOption = False) -> None:
    """Cancel: nothing more is sent; what was not sent is marked cancelled."""
    campaign = campaigns.cancel(state(ctx).campaigns.campaign_deps, campaign_id)
    _show(campaign, as_json, f"{campaign.campaign_id} cancelled")


@app.command()
def status(
    ctx: typer.Context,
    campaign_id: IdArgument,
    watch: Annotated[
        bool, typer.Option("--watch", help="Follow live until the campaign stops sending.")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between refreshes.", min=0.2)] = 1.0,
    as_json: JsonOption = False,
) -> None:
    """Progress: sent, failed and skipped against targeted."""
    deps = state(ctx).campaigns.campaign_deps
    campaign = campaigns.get(deps, campaign_id)
    if as_json or not watch:
        if as_json:
            print_json(campaign_json(campaign))
        else:
            console.print(literal(_progress_line(campaign), 1000))
        return
    with Progress(
        TextColumn("[bold]{task.fields[state]}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        console=console,
    ) as bar:
        task = bar.add_task("", total=None, state="", detail="")
        while True:
            n = campaign.counters
            bar.update(
                task,
                completed=n.settled,
                total=max(n.targeted, 1) if campaign.fanout_done else None,
                state=campaign.status.value,
                detail=f"sent {n.sent} · failed {n.failed} · skipped {n.skipped}"
                f" · cancelled {n.cancelled} · targeted {n.targeted}",
            )
            if campaign.status not in (CampaignStatus.SENDING, CampaignStatus.SCHEDULED):
                break
            time.sleep(interval)
            campaign = campaigns.get(deps, campaign_id)
    console.print(literal(_progress_line(campaign), 1000))


@app.command()
def failures(
    ctx: typer.Context,
    campaign_id: IdArgument,
    reason: Annotated[
        str | None, typer.Option(help="Only this reason, e.g. render-error or rejected.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many.", min=1, max=10_000)] = 100,
    as_json: JsonOption = False,
) -> None:
    """List the campaign's failed deliveries: recipient, reason, and whether a retry helps."""
    deps = state(ctx).campaigns.campaign_deps
    found = [
        delivery_failure_json(d)
        for d in campaigns.failed_deliveries(deps, campaign_id, reason, limit)
    ]
    if as_json:
        print_json(found)
        return
    table = Table(Column("recipient", no_wrap=True), "reason", "detail", "retryable")
    for f in found:
        retry = ("yes: " if f["retryable"] else "no: ") + f["why"]
        table.add_row(
            literal(f["recipient"]),
            literal(f["reason"]),
            literal(f["detail"][:200]),
            literal(retry),
        )
    console.print(table)
    console.print(f"{len(found)} failed deliver{'ies' if len(found) != 1 else 'y'}")


@app.command("test-send")
def test_send(
    ctx: typer.Context,
    campaign_id: IdArgument,
    to: Annotated[str, typer.Option("--to", help="Where the test copy goes.")],
    as_json: JsonOption = False,
) -> None:
    """Send one copy of the campaign to an address, outside the ledger and counters."""
    runtime = state(ctx)
    campaign = campaigns.get(runtime.campaigns.campaign_deps, campaign_id)
    receipt = campaigns.test_send(
        campaign,
        to,
        runtime.templates.renderer,
        runtime.email.sender,
        _unsubscribe_link(runtime),
        runtime.templates.unsubscribe_mailto,
    )
    if as_json:
        print_json({"provider": receipt.provider, "message_id": receipt.message_id, "to": to})
        return
    console.print(
        f"test copy of {literal(campaign.campaign_id)} sent to {literal(to)} "
        f"via {literal(receipt.provider)}"
    )


def parse_time(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"cannot read the time {raw!r}", "write ISO 8601, e.g. 2030-05-01T09:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _show(campaign: Campaign, as_json: bool, headline: str | None = None) -> None:
    if as_json:
        print_json(campaign_json(campaign))
        return
    if headline:
        console.print(headline, markup=False)
    table = Table(show_header=False, box=None)
    for key, value in campaign_json(campaign).items():
        if key == "counters":
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif key == "filter":
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or "none"
        elif key == "failures":
            value = "; ".join(_failure_line(f) for f in value) or "none"
        table.add_row(f"[bold]{key}[/]", literal(value if value is not None else ""))
    console.print(table)


def _failure_line(f: dict[str, Any]) -> str:
    retry = "retryable" if f["retryable"] else f"not retryable: {f['why']}"
    return f"{f['reason']} {f['count']} (e.g. {f['sample']}; {retry})"


def _progress_line(c: Campaign) -> str:
    n = c.counters
    line = (
        f"{c.campaign_id} {c.status.value}: sent {n.sent}, failed {n.failed}, skipped "
        f"{n.skipped}, cancelled {n.cancelled} of {n.targeted} targeted ({n.queued} queued"
        + (f", {n.requeued} requeued)" if n.requeued else ")")
    )
    return line + (f" — {c.pause_reason}" if c.pause_reason else "")


def _status(status: CampaignStatus) -> str:
    color = {"completed": "green", "sending": "cyan", "paused": "yellow", "cancelled": "red"}
    return f"[{color.get(status.value, 'white')}]{status.value}[/]"


def _time(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if value else ""


def _unsubscribe_link(runtime: Any) -> Any:
    from tctfmsg.rendering.unsubscribe import unsubscribe_url

    def link(campaign_id: str, email: str) -> str:
        return unsubscribe_url(
            runtime.templates.unsubscribe_base_url,
            runtime.templates.unsubscribe_key,
            campaign_id,
            email,
        )

    return link
