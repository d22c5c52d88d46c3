"""An incident's alerts as the web page shows them: what fired, how bad, where, and where to look.

MERGE: `alert_card` reads the Alert row's fields directly. Once bot/alerts/view.py's `facts(alert)`
is on main (the alert messages and the postmortem use it), build the card from `facts(alert)` so
the three places name an alert alike, and delete what here repeats it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.alerts.messaging import DASHBOARD_ANNOTATIONS
from bot.web.text import safe_url
from storage.tables import Alert

# Labels shown apart from the rest (the rule's name and its severity), and those that identify an alert best.
SHOWN_APART = frozenset({"alertname", "severity"})
FIRST_LABELS = ("service", "instance", "job", "team", "namespace", "cluster", "env")


@dataclass(frozen=True)
class AlertCard:
    rule: str  # the alert rule that fired
    source: str
    status: str
    severity: str | None
    labels: list[tuple[str, str]]
    summary: str
    description: str
    runbook_url: str | None
    dashboard_url: str | None
    source_url: str | None
    starts_at: datetime
    ends_at: datetime | None
    fired_count: int


def _label_order(name: str) -> tuple[int, str]:
    return (FIRST_LABELS.index(name) if name in FIRST_LABELS else len(FIRST_LABELS), name)


def alert_card(alert: Alert) -> AlertCard:
    """One alert's card; links only when they are web links (an annotation could say `javascript:`)."""
    dashboard = next((alert.annotations[name] for name in DASHBOARD_ANNOTATIONS if alert.annotations.get(name)), None)
    labels = sorted(
        ((name, value) for name, value in alert.labels.items() if name not in SHOWN_APART and value),
        key=lambda kv: _label_order(kv[0]),
    )
    return AlertCard(
        rule=alert.labels.get("alertname") or alert.summary,
        source=alert.source,
        status=alert.status,
        severity=alert.severity or alert.labels.get("severity"),
        labels=labels,
        summary=alert.summary,
        description=alert.description,
        runbook_url=safe_url(alert.runbook_url),
        dashboard_url=safe_url(dashboard),
        source_url=safe_url(alert.generator_url),
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        fired_count=alert.fired_count,
    )


def firing_first(cards: list[AlertCard]) -> list[AlertCard]:
    """Firing alerts before resolved ones, the newest first within each, as Slack lists them."""
    return sorted(cards, key=lambda card: (card.status != "firing", -card.starts_at.timestamp()))
