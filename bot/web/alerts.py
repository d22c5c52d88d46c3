"""An incident's alerts as the web page shows them: `facts(alert)` (what the Slack messages and the
postmortem say of an alert) plus the alert's state, with only web links kept as links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.alerts.views import AlertFacts, Link, facts, source_name
from bot.web.text import safe_url
from storage.tables import Alert


@dataclass(frozen=True)
class AlertCard:
    facts: AlertFacts
    source: str  # the sender's display name ("Alertmanager")
    status: str
    links: tuple[Link, ...]  # http(s) and mailto only: an annotation could say `javascript:`
    starts_at: datetime
    ends_at: datetime | None
    fired_count: int

    @property
    def runbook_url(self) -> str | None:
        return next((link.url for link in self.links if link.label == "Runbook"), None)


def alert_card(alert: Alert) -> AlertCard:
    shown = facts(alert)
    links = tuple(Link(link.label, url) for link in shown.links if (url := safe_url(link.url)))
    return AlertCard(
        facts=shown,
        source=source_name(alert.source),
        status=alert.status,
        links=links,
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        fired_count=alert.fired_count,
    )


def firing_first(cards: list[AlertCard]) -> list[AlertCard]:
    """Firing alerts before resolved ones, the newest first within each, as Slack lists them."""
    return sorted(cards, key=lambda card: (card.status != "firing", -card.starts_at.timestamp()))
