"""Drafting and closing postmortems, and rendering one from what is stored."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.config.schema import PostmortemConfig
from bot.errors import IncidentNotFound, SlackError, UserError
from bot.incidents.models import IncidentRef, Status
from bot.incidents.snapshot import IncidentSnapshot
from bot.incidents.target import Target, authorize, snapshot_of
from bot.outbox import Effect, Outbox
from bot.permissions import Action, Actor
from bot.postmortem import document
from bot.postmortem.isolated import Limits, render_isolated
from bot.postmortem.render import Format, operator_template, render
from bot.slack.gateway import SlackGateway
from bot.slack.texts import render as render_text
from storage.engine import Database
from storage.queries import alerts as alert_queries
from storage.queries import follow_ups as follow_up_queries
from storage.queries import incidents as incident_queries
from storage.queries import paging as paging_queries
from storage.queries import timeline as timeline_queries
from storage.queries import users as user_queries
from storage.tables import TimelineEntry
from storage.types import utcnow

log = logging.getLogger("oncall.postmortem")

# People change their display names; a week-old name is asked for again.
NAME_CACHE_TTL = timedelta(days=7)


async def request(*, session: AsyncSession, outbox: Outbox, target: Target, by: str) -> tuple[IncidentSnapshot, bool]:
    """Queue the postmortem's upload to the channel; on a resolved incident this drafts it.

    Returns whether this request drafted it. Asking again renders it again from what is stored:
    nothing is added to the timeline twice.
    """
    snapshot = await snapshot_of(session=session, target=target)
    incident = await incident_queries.get_incident(session, snapshot.number, for_update=True)
    assert incident is not None
    drafted_now = snapshot.status is Status.RESOLVED and incident.postmortem_drafted_at is None
    if drafted_now:
        incident.postmortem_drafted_at = utcnow()
        await timeline_queries.insert_entry(
            session,
            TimelineEntry(
                incident_id=snapshot.number, at=utcnow(), kind="postmortem", author=by, text="Postmortem drafted"
            ),
        )
    outbox.add(Effect.UPLOAD_POSTMORTEM, incident_id=snapshot.number, requested_by=by)
    return snapshot, drafted_now


async def close(
    *, session: AsyncSession, outbox: Outbox, target: Target, by: str, actor: Actor | None = None
) -> IncidentSnapshot:
    """Close a resolved incident whose postmortem has been drafted (and, by now, reviewed)."""
    snapshot = await snapshot_of(session=session, target=target)
    incident = await incident_queries.get_incident(session, snapshot.number, for_update=True)
    assert incident is not None
    await authorize(session=session, incident=incident, action=Action.CLOSE, actor=actor)
    if snapshot.status is Status.CLOSED:
        raise UserError(texts.incidents.already(snapshot.ref, "closed"))
    if snapshot.status is not Status.RESOLVED:
        raise UserError(texts.postmortem.resolve_first(snapshot.ref, snapshot.status))
    if incident.postmortem_drafted_at is None:
        raise UserError(texts.postmortem.not_drafted(snapshot.ref))
    now = utcnow()
    incident.status, incident.closed_at, incident.updated_at = Status.CLOSED, now, now
    await timeline_queries.insert_entry(
        session, TimelineEntry(incident_id=snapshot.number, at=now, kind="status", author=by, text="resolved → closed")
    )
    closed = await snapshot_of(session=session, target=target)
    outbox.post(closed.number, render_text("slack/closed.txt.j2", incident=closed, by=by))
    outbox.refresh(closed.number, topic=True)
    return closed


class Postmortems:
    """Renders postmortems; names people through users.info, cached in the database."""

    def __init__(
        self,
        database: Database,
        *,
        zone: ZoneInfo,
        templates: PostmortemConfig | None = None,
        gateway: SlackGateway | None = None,
    ) -> None:
        self._database = database
        self._zone = zone
        self._templates = templates or PostmortemConfig()
        self._gateway = gateway

    async def _names(self, user_ids: Iterable[str]) -> dict[str, str]:
        wanted = set(user_ids)
        async with self._database.reading() as session:
            known = await user_queries.names(session, wanted, fetched_since=utcnow() - NAME_CACHE_TTL)
        missing = sorted(wanted - set(known))
        if not missing or self._gateway is None:
            return known
        fetched: dict[str, tuple[str, str | None]] = {}
        for user in missing:
            try:
                fetched[user] = await self._gateway.user_info(user)
            except SlackError as exc:  # a name is a nicety: the id stands in for it
                log.warning("postmortem.user_lookup_failed user=%s error=%s", user, exc.error)
        if fetched:
            async with self._database.transaction() as session:
                for user, (name, tz) in fetched.items():
                    await user_queries.remember(session, user, name, tz=tz)
        return {**known, **{user: name for user, (name, _) in fetched.items()}}

    async def document(self, number: int) -> document.Postmortem:
        async with self._database.reading() as session:
            incident = await incident_queries.get_incident(session, number)
            if incident is None:
                raise IncidentNotFound(texts.incidents.no_such_incident_here(str(IncidentRef(number))))
            snapshot = IncidentSnapshot.of(incident, await incident_queries.list_roles(session, number))
            entries = await timeline_queries.list_entry_rows(session, number)
            alerts = await alert_queries.list_incident_alerts(session, number)
            follow_ups = await follow_up_queries.list_for_incident(session, number)
            pages = await paging_queries.pages_of(session, number)
            escalations = await paging_queries.escalations_of(session, number)
            detected_at = incident.detected_at
        bot_users = frozenset([await self._gateway.bot_user_id()]) if self._gateway is not None else frozenset()
        paged = {page.target for page in pages if page.kind == "user"}
        stoppers = {e.stopped_by for e in escalations if e.stopped_by}
        names = await self._names(document.user_ids(entries, snapshot, follow_ups) | paged | stoppers)
        return document.build(
            incident=snapshot,
            detected_at=detected_at,
            entries=entries,
            alerts=alerts,
            follow_ups=follow_ups,
            names=names,
            zone=self._zone,
            now=utcnow(),
            bot_users=bot_users,
            pages=pages,
            escalations=escalations,
        )

    async def render(self, number: int, output: Format = Format.MARKDOWN) -> str:
        """Never on the event loop: a 10,000-message incident takes a while even with our own templates."""
        postmortem = await self.document(number)
        # Looked for on every render (an operator may add one while the bot runs): a stat(), so in a thread.
        template_dir = await asyncio.to_thread(operator_template, output, self._templates.template_dir)
        if template_dir is None:
            return await asyncio.to_thread(render, postmortem, output)
        limits = Limits(self._templates.time_limit.total_seconds(), self._templates.memory_limit_mb)
        return await render_isolated(postmortem, output, template_dir, limits)
