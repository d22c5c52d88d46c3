"""What people read, in one place: every reply and refusal that is not a Jinja template (bot/templates).

One module per domain. Services raise `UserError(texts.<domain>.<name>(…))`; handlers reply with the
same functions. A value that came from a person or a sender goes through `common.quoted` (or is
escaped by the caller) before it reaches a reply, so no reply can ping `@channel`.
"""

from bot.texts import (
    alert_actions,
    alerts,
    cli,
    common,
    followups,
    heartbeats,
    incidents,
    oncall,
    paging,
    permissions,
    postmortem,
    reminders,
    reports,
    retention,
    slo,
    timeline,
    web,
)

__all__ = [
    "alert_actions",
    "alerts",
    "cli",
    "common",
    "followups",
    "heartbeats",
    "incidents",
    "oncall",
    "paging",
    "permissions",
    "postmortem",
    "reminders",
    "reports",
    "retention",
    "slo",
    "timeline",
    "web",
]
