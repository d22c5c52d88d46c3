"""`/slo`, the SLO pages and pushed measurements: refusals and replies about SLOs."""

from __future__ import annotations

from datetime import datetime

from bot.slack.mrkdwn import escape
from bot.texts.common import with_usage

USAGE = "`/slo list` · `/slo show <name>` · `/slo digest` (posts the weekly digest here now)"
HELP = f"*/slo* — service level objectives, error budgets and burn rates.\n{USAGE}"
NAME_THE_SLO = with_usage("Name the SLO: `/slo show <name>`.", USAGE)
NOTHING_TO_DIGEST = "No SLOs are configured yet, so there is nothing to digest (see docs/slo.md)."
DIGEST_ON_ITS_WAY = "The SLO digest is on its way to this channel."


def no_such_slo(name: str) -> str:
    shown = escape(name[:80])  # the name comes back in a Slack reply: `<!channel>` must not ping
    return f"There is no SLO named '{shown}'. `/slo list` shows the SLOs there are."


def not_an_events_slo(name: str, source_type: str) -> str:
    return (
        f"SLO {name!r} reads its source ({source_type}); "
        "only SLOs with `source: {type: events}` take pushed measurements"
    )


def in_the_future(at: datetime) -> str:
    return f"at ({at.isoformat()}) is in the future"


OPS = {"lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


def slice_rule(*, method: str, slice_length: str, slice_target: str | None, op: str | None, value: float | None) -> str:
    """What makes a time slice good, after the objective: `of 5m slices at ≥ 95 %`, `of 1m slices with value < 0.3`."""
    if op is not None and value is not None:
        return f"of {slice_length} slices with value {OPS[op]} {value:g}"
    if method == "ratio_timeslices":
        return f"as the mean of {slice_length} slices' ratios"
    return f"of {slice_length} slices at ≥ {slice_target}"


def period_progress(label: str, day: int, days: int) -> str:
    """`December, 29 of 31 days in`."""
    return f"{label}, {day} of {days} days in"
