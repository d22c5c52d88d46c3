"""The web pages' incident list: filtered, open ones first, a page at a time; the same SQL on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.incidents import list_roles_of
from storage.tables import Incident, Role, TimelineEntry

LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class IncidentFilter:
    """Empty fields filter nothing; `text` is searched for in titles and summaries, case-insensitively."""

    statuses: Sequence[str] = ()
    severity: str | None = None
    service: str | None = None
    text: str = ""
    # Listed before the others; within each part the newest first.
    first_statuses: Sequence[str] = field(default_factory=tuple)
    # Private incidents are listed only if their channel is one of these; None lists them all. The
    # caller decides who sees what (bot/visibility.py); the default shows no private incident.
    private_visible_in: Collection[str] | None = ()


@dataclass(frozen=True)
class SearchPage:
    incidents: list[tuple[Incident, list[Role]]]
    total: int  # how many match the filter, on every page


def _like(text: str) -> str:
    # What a person types is looked for literally: % and _ are not wildcards to them.
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return f"%{text}%"


def _visible(private_visible_in: Collection[str] | None) -> list[Any]:
    if private_visible_in is None:
        return []
    public = col(Incident.is_private).is_(False)
    if not private_visible_in:
        return [public]
    return [or_(public, col(Incident.channel_id).in_(list(private_visible_in)))]


def _conditions(wanted: IncidentFilter) -> list[Any]:
    conditions: list[Any] = _visible(wanted.private_visible_in)
    if wanted.statuses:
        conditions.append(col(Incident.status).in_(list(wanted.statuses)))
    if wanted.severity:
        conditions.append(col(Incident.severity) == wanted.severity)
    if wanted.service:
        conditions.append(col(Incident.service) == wanted.service)
    if wanted.text.strip():
        pattern = _like(wanted.text.strip())
        # ilike is ILIKE on PostgreSQL and lower() LIKE lower() on SQLite: case-insensitive on both.
        conditions.append(
            or_(
                col(Incident.title).ilike(pattern, escape=LIKE_ESCAPE),
                col(Incident.summary).ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    return conditions


async def search(session: AsyncSession, wanted: IncidentFilter, *, limit: int, offset: int) -> SearchPage:
    """One page of the incidents the filter matches, each with its roles, and how many match in all."""
    conditions = _conditions(wanted)
    total = (await session.exec(select(func.count()).select_from(Incident).where(*conditions))).one()
    query = select(Incident).where(*conditions)
    if wanted.first_statuses:
        first = case((col(Incident.status).in_(list(wanted.first_statuses)), 0), else_=1)
        query = query.order_by(first)
    query = query.order_by(col(Incident.id).desc()).limit(limit).offset(offset)
    incidents = list((await session.exec(query)).all())
    roles: dict[int | None, list[Role]] = {incident.id: [] for incident in incidents}
    for role in await list_roles_of(session, [incident.id for incident in incidents if incident.id is not None]):
        roles[role.incident_id].append(role)
    return SearchPage([(incident, roles[incident.id]) for incident in incidents], int(total))


async def services(session: AsyncSession, *, private_visible_in: Collection[str] | None = ()) -> list[str]:
    """Every service an incident the reader may see has named, for the list's filter."""
    query = (
        select(Incident.service)
        .where(col(Incident.service).is_not(None), *_visible(private_visible_in))
        .distinct()
        .order_by(Incident.service)
    )
    return [service for service in (await session.exec(query)).all() if service]


async def message_counts(session: AsyncSession, incident_ids: Collection[int]) -> dict[int, int]:
    """How many messages people wrote in each incident's channel (deleted ones not counted)."""
    if not incident_ids:
        return {}
    query = (
        select(TimelineEntry.incident_id, func.count())
        .where(
            col(TimelineEntry.incident_id).in_(list(incident_ids)),
            TimelineEntry.kind == "message",
            col(TimelineEntry.is_deleted).is_(False),
            col(TimelineEntry.has_original).is_(True),
        )
        .group_by(col(TimelineEntry.incident_id))
    )
    return {incident_id: int(count) for incident_id, count in (await session.exec(query)).all()}


async def channel_names(session: AsyncSession, channel_ids: Collection[str]) -> dict[str, str]:
    """Names of the incident channels among these ids: the only channel names the bot stores."""
    if not channel_ids:
        return {}
    query = select(Incident.channel_id, Incident.channel_name).where(col(Incident.channel_id).in_(list(channel_ids)))
    return {channel: name for channel, name in (await session.exec(query)).all() if channel and name}
