"""What crash safety costs (decision 0082): a subscriber import and a campaign end to end on
the embedded stack with its journal on (every acknowledged write fsynced, the providers'
outbox fsynced) and off (state kept only through clean stops), alternating, several runs.

Prints rows/s and recipients/s of each run, the medians and the ratio on/off.
Run: .venv/bin/python bench/durability_bench.py [ROWS] [RECIPIENTS] [RUNS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._audience import write_audience
from bench._stack import private_stack
from bench.import_bench import LIST, WORKERS, generate
from tctfmsg.campaigns.adapters.import_files import ImportFile, RejectFile
from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.services import campaigns
from tctfmsg.campaigns.services.subscriber_import import ImportOptions, import_subscribers
from tctfmsg.core.clock import SystemClock
from tctfmsg.email import admin as email_admin
from tctfmsg.local.providers import control

RATE_PER_S = 2000.0
TIMEOUT_S = 1800


def one_run(durable: bool, rows: int, recipients: int) -> tuple[float, float]:
    """(import rows/s, campaign recipients/s) on a fresh stack."""
    os.environ["TCTFMSG_LOCAL_DURABLE"] = "true" if durable else "false"
    with tempfile.TemporaryDirectory() as tmp, private_stack() as runtime:
        source_path = Path(tmp) / "audience.csv"
        generate(source_path, rows)
        source = ImportFile(source_path)
        started = time.perf_counter()
        report = import_subscribers(
            source.records(),
            runtime.subscribers,
            SystemClock(),
            RejectFile(source),
            ImportOptions(lists=frozenset({LIST}), workers=WORKERS),
        )
        import_s = time.perf_counter() - started
        assert report.imported == rows, report

        write_audience(runtime, "durability-bench", recipients)
        for provider in control.PROVIDERS:
            email_admin.configure(
                runtime.email.backbone.config_store, provider, rate_per_s=RATE_PER_S
            )
        deps = runtime.campaign_deps
        campaign = campaigns.create(
            deps,
            name="durability bench",
            subject="Bench",
            template="newsletter",
            list_name="durability-bench",
            sender=runtime.settings.sender,
        )
        started = time.perf_counter()
        campaigns.send_now(deps, campaign.campaign_id)
        while campaigns.get(deps, campaign.campaign_id).status is not CampaignStatus.COMPLETED:
            if time.perf_counter() - started > TIMEOUT_S:
                raise SystemExit(f"the campaign did not complete in {TIMEOUT_S}s")
            time.sleep(0.25)
        campaign_s = time.perf_counter() - started
    return rows / import_s, recipients / campaign_s


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    recipients = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    results: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    print(f"rows: {rows:,}  recipients: {recipients:,}  runs: {runs} (off and on alternating)")
    for run in range(runs):
        for durable in (False, True):
            imported, sent = one_run(durable, rows, recipients)
            results[durable].append((imported, sent))
            label = "on " if durable else "off"
            print(f"run {run + 1} durability {label}: import {imported:,.0f} rows/s, "
                  f"campaign {sent:,.0f} recipients/s")  # fmt: skip
    medians = {
        durable: tuple(statistics.median(r[i] for r in found) for i in (0, 1))
        for durable, found in results.items()
    }
    for i, what in enumerate(("import", "campaign")):
        on, off = medians[True][i], medians[False][i]
        print(f"{what:8} median: off {off:,.0f}/s, on {on:,.0f}/s, ratio on/off {on / off:.2f}")


if __name__ == "__main__":
    main()
