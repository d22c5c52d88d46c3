"""Reading incidents: the open ones someone may see, and a timeline's newest entries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.incidents.models import OPEN_STATUSES, Severity
from bot.incidents.snapshot import IncidentSnapshot
from bot.incidents.target import Target, load, snapshot
from bot.visibility import Viewer, visible_only
from storage.queries import incidents as queries
from storage.queries import timeline as timeline_queries
from storage.tables import TimelineEntry


async def list_open(*, session: AsyncSession, viewer: Viewer) -> list[IncidentSnapshot]:
    """Open incidents that exist for this person, most severe first, then newest."""
    listed = await queries.list_with_roles_in(session, list(OPEN_STATUSES))
    snapshots = await visible_only([IncidentSnapshot.of(incident, roles) for incident, roles in listed], viewer)
    return sorted(snapshots, key=lambda snapshot: (snapshot.severity, -snapshot.number))


async def recent_timeline(
    *, session: AsyncSession, target: Target, last: int = 20
) -> tuple[IncidentSnapshot, Sequence[TimelineEntry], int]:
    """The newest timeline entries people can see, and how many there are in all."""
    incident = await load(session=session, target=target)
    assert incident.id is not None
    entries = await timeline_queries.list_entries(session, incident.id, last=last)
    total = await timeline_queries.count_entries(session, incident.id)
    return await snapshot(session=session, incident=incident), entries, total


async def open_by_severity(session: AsyncSession) -> dict[str, int]:
    """How many incidents are open, for every severity (zeros too); private ones are not counted (bot/visibility.py)."""
    open_statuses = [status.value for status in OPEN_STATUSES]
    counts = await queries.count_by_severity(session, open_statuses, include_private=False)
    return {severity.value: counts.get(severity.value, 0) for severity in Severity}
