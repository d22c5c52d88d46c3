"""The rows ingestion writes for an alert: the alert itself, and its incident's timeline entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.views import facts
from storage.queries import alerts as queries
from storage.queries import timeline as timeline_queries
from storage.tables import Alert, Incident, TimelineEntry


def add_alert(session: AsyncSession, alert: Alert, new_alerts: list[Alert]) -> None:
    """Stored when the transaction ends: a new alert with the transaction's others, in one statement."""
    if alert.id is None:
        new_alerts.append(alert)
    else:
        queries.add(session, alert)


def unstored(new_alerts: Sequence[Alert]) -> list[Alert]:
    """The new alerts still to insert, once each: a hold() stores the ones it holds (they have their id)."""
    return [alert for alert in {id(alert): alert for alert in new_alerts}.values() if alert.id is None]


def said(alert: Alert) -> str:
    """The alert in a timeline entry: `CheckoutErrors (service=checkout instance=web-1): 5xx rate is 7.2%`."""
    shown = facts(alert)
    labels = f" ({shown.label_text(limit=4)})" if shown.labels else ""
    return f"{shown.name}{labels}" + (f": {shown.summary}" if shown.summary else "")


def timeline(session: AsyncSession, incident: Incident, kind: str, text: str, *, at: datetime) -> None:
    assert incident.id is not None
    timeline_queries.add_entry(
        session, TimelineEntry(incident_id=incident.id, at=at, kind=kind, author=None, text=text[:3000])
    )
