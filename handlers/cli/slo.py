"""`oncall-bot slo report` and `oncall-bot slo check`: they evaluate and print, and write nothing.

Storing evaluations and raising burn alerts is the running bot's job (its scheduler): a report run
from a laptop or a CI job must not open an incident, nor add a point to an SLO's history.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from bot.clock import utcnow
from bot.config.schema import OncallConfig
from bot.database import opened
from bot.errors import UsageError
from bot.prometheus.client import PrometheusClient
from bot.settings import Settings
from bot.slo import check as checks
from bot.slo.calendar import CALENDAR_WORDS, CalendarWindow
from bot.slo.evaluation import SloEvaluator
from bot.slo.presentation import format_burn_rate, format_percent, status_label
from bot.slo.report import SloReport
from bot.values.durations import parse_duration

EXIT_FAIL, EXIT_UNJUDGED = 1, 2


@asynccontextmanager
async def _evaluator(settings: Settings, config: OncallConfig) -> AsyncIterator[SloEvaluator]:
    async with opened(settings.database_url) as database:
        # No unit of work and no alert ingestion: this evaluator can read, and nothing else.
        evaluator = SloEvaluator(config.slos, database=database, prometheus=PrometheusClient())
        try:
            yield evaluator
        finally:
            await evaluator.close()


async def report(settings: Settings, config: OncallConfig, *, output: str, write: Callable[[str], object]) -> int:
    """Evaluate every SLO now and print what was found; nothing is stored."""
    if not config.slos:
        raise UsageError("no SLOs are configured: add them under `slos:` in ONCALL_CONFIG (see docs/slo.md)")
    noun = "SLO" if len(config.slos) == 1 else "SLOs"
    print(f"evaluating {len(config.slos)} {noun}…", file=sys.stderr, flush=True)  # Prometheus may take seconds
    async with _evaluator(settings, config) as evaluator:
        reports = [one.report() for one in await evaluator.assess(at=utcnow())]
    if output == "json":
        write(json.dumps([item.to_json() for item in reports], indent=2))
    else:
        write(_table(reports))
    return 0


def _table(reports: list[SloReport]) -> str:
    rows = [("SLO", "SERVICE", "OBJECTIVE", "WINDOW", "ATTAINMENT", "BUDGET LEFT", "BURN 1H", "STATUS")]
    for item in reports:
        rows.append(
            (
                item.name,
                item.service,
                format_percent(item.objective),
                item.window_text,
                format_percent(item.attainment),
                format_percent(item.budget_remaining),
                format_burn_rate(item.burn_rates.get("1h")),
                status_label(item.status) + (f" ({item.error})" if item.error else ""),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1] for row in rows
    )


async def check(
    settings: Settings,
    config: OncallConfig,
    *,
    service: str,
    availability: str | None,
    latency: str | None,
    error_rate: str | None,
    window: str | None,
    write: Callable[[str], object] = print,
) -> int:
    """PASS/FAIL per threshold; exit 1 on any FAIL, 2 when one could not be judged."""
    thresholds = []
    if availability is not None:
        thresholds.append(checks.parse_availability(availability))
    if latency is not None:
        thresholds.append(checks.parse_latency(latency))
    if error_rate is not None:
        thresholds.append(checks.parse_error_rate(error_rate))
    over = _window(window, config.timezone)
    async with _evaluator(settings, config) as evaluator:
        results = await checks.check(evaluator, service=service, thresholds=thresholds, window=over, at=utcnow())
    for result in results:
        verdict = {True: "PASS", False: "FAIL", None: "NO DATA"}[result.passed]
        measured = "" if result.measured is None else f"measured {format_percent(result.measured)}"
        where = f"{result.slo}, {result.window}" if result.slo and result.window else ""
        detail = "; ".join(part for part in (measured, where, result.reason) if part)
        write(f"{verdict:<8} {result.threshold.label}  ({detail})")
    if any(result.passed is False for result in results):
        return EXIT_FAIL
    return EXIT_UNJUDGED if any(result.passed is None for result in results) else 0


def _window(text: str | None, timezone: str) -> timedelta | CalendarWindow | None:
    """`1h`, `7d`, or the current calendar period in the config's zone: `month` (`1M`), `week`, `quarter`, `year`."""
    if text is None:
        return None
    if text.strip() in CALENDAR_WORDS:
        return CalendarWindow(calendar=CALENDAR_WORDS[text.strip()], timezone=timezone)
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"--window: {exc}") from None


def stdout(text: str) -> None:
    sys.stdout.write(text + "\n")
