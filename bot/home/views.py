"""The App Home tab: open incidents (yours first), who is on call, your follow-ups, and where every SLO stands.

Like every list, it shows only the incidents that exist for the person (bot/visibility.py): a private
incident appears to its channel's members and the admins, and to nobody else, not even as a count.

It is published through the outbox when someone opens the tab, built from what is stored when the
entry runs, so a burst of openings becomes one views.publish per person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.incidents.listing import list_open
from bot.incidents.messaging import SEVERITY_EMOJI, STATUS_EMOJI
from bot.incidents.models import RoleName
from bot.incidents.snapshot import IncidentSnapshot
from bot.outbox import Effect, Outbox
from bot.permissions import Permissions
from bot.schedules import views as schedule_views
from bot.schedules.catalog import Catalog
from bot.slack.mrkdwn import SECTION_LIMIT, channel_link, escape, mention, truncate
from bot.slack.mrkdwn import date as slack_date
from bot.slo.history import latest_reports
from bot.slo.models import SloDefinition
from bot.slo.presentation import slo_list_line, worst_first
from bot.slo.report import SloReport
from bot.visibility import Viewer, visible
from storage.engine import Database
from storage.queries import follow_ups as follow_up_queries
from storage.queries import incidents as incident_queries
from storage.tables import FollowUp

# How long a burst of tab openings waits to become one publish.
PUBLISH_DELAY_SECONDS = 0.5
LINES_PER_SECTION = 10
# How far ahead "Your next shifts" looks, as the gaps report and moved-shift DMs do.
SHIFT_DAYS = 14
MAX_SHIFT_LINES = 20


@dataclass(frozen=True)
class OnCallLines:
    """The on-call sections: who is on call now in each schedule, and the viewer's next shifts."""

    now: Sequence[str]
    mine: Sequence[str]


async def refresh(*, outbox: Outbox, user: str) -> None:
    """Bring the person's Home tab up to date soon."""
    await outbox.sync(
        Effect.PUBLISH_HOME, incident_id=None, lane=f"home:{user}", delay=PUBLISH_DELAY_SECONDS, user=user
    )


def _is_involved(incident: IncidentSnapshot, user: str) -> bool:
    return incident.declared_by == user or user in incident.roles.values()


def _incident_line(incident: IncidentSnapshot, user: str) -> str:
    involved = _is_involved(incident, user)
    where = f" · {channel_link(incident.channel_id)}" if incident.channel_id else ""
    commander = incident.roles.get(RoleName.COMMANDER)
    lead = f" · commander {mention(commander)}" if commander else " · _no commander yet_"
    yours = " · *yours*" if involved else ""
    lock = ":lock: " if incident.is_private else ""  # shown to its members and the admins only
    return (
        f"{SEVERITY_EMOJI[incident.severity]} *{incident.ref}* {incident.severity} · "
        f"{STATUS_EMOJI[incident.status]} {incident.status} · {lock}{escape(truncate(incident.title, 120))}"
        f"{where}{lead}{yours}"
    )


def _follow_up_line(item: FollowUp, today: date) -> str:
    due = ""
    if item.due is not None:
        late = (today - item.due).days
        due = f" · due {item.due.isoformat()}" + (f" (*{late} days overdue*)" if late > 0 else "")
    return f"• INC-{item.incident_id} #{item.number} {escape(truncate(item.text, 200))}{due}"


def _sections(title: str, lines: Sequence[str], *, empty: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    if not lines:
        return [*blocks, {"type": "section", "text": {"type": "mrkdwn", "text": empty}}]
    for start in range(0, len(lines), LINES_PER_SECTION):
        text = "\n".join(lines[start : start + LINES_PER_SECTION])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}})
    return blocks


def home_view(
    user: str,
    *,
    incidents: Sequence[IncidentSnapshot],
    follow_ups: Sequence[FollowUp],
    slos: Sequence[SloReport],
    now: datetime,
    today: date,
    on_call: OnCallLines | None = None,
) -> dict[str, Any]:
    """The Home tab's view: at most 100 blocks, as Slack allows."""
    ordered = sorted(incidents, key=lambda i: (not _is_involved(i, user), i.severity, -i.number))[:50]
    blocks = _sections(
        f"Open incidents ({len(incidents)})",
        [_incident_line(incident, user) for incident in ordered],
        empty="No open incidents. :sunny:",
    )
    if on_call is not None:  # only when schedules are configured
        blocks += _sections("On call now", on_call.now, empty="")
        blocks += _sections(
            "Your next shifts",
            on_call.mine[:MAX_SHIFT_LINES],
            empty=f"You have no on-call shifts in the next {SHIFT_DAYS} days.",
        )
    blocks += _sections(
        "Your follow-ups",
        [_follow_up_line(item, today) for item in follow_ups[:50]],
        empty="Nothing assigned to you. Follow-ups come from `/incident followup add … @you`.",
    )
    if slos:
        blocks += _sections("SLOs", [slo_list_line(report) for report in worst_first(slos)], empty="")
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Updated {slack_date(now)} · `/incident help`"}]}
    )
    return {"type": "home", "blocks": blocks}


class HomeRenderer:
    """Reads what a person's Home tab shows, when the outbox publishes it."""

    def __init__(
        self,
        database: Database,
        definitions: Sequence[SloDefinition],
        *,
        zone: ZoneInfo,
        permissions: Permissions,
        catalog: Catalog | None = None,
    ) -> None:
        self._database = database
        self._definitions = list(definitions)
        self._zone = zone
        self._permissions = permissions
        self._catalog = catalog

    async def view(self, user: str, *, now: datetime) -> dict[str, Any]:
        viewer = await self._permissions.actor(user)
        async with self._database.reading() as session:
            incidents = await list_open(session=session, viewer=viewer)
            follow_ups = await self._follow_ups(session, viewer)
            slos = await latest_reports(session=session, definitions=self._definitions, now=now)
            on_call = await self._on_call(session, user, now)
        today = now.astimezone(self._zone).date()
        return home_view(
            user, incidents=incidents, follow_ups=follow_ups, slos=slos, now=now, today=today, on_call=on_call
        )

    async def _on_call(self, session: AsyncSession, user: str, now: datetime) -> OnCallLines | None:
        """What `/oncall who` and `/oncall shifts` would answer, from the same resolver and overrides."""
        if self._catalog is None or not self._catalog.configs:
            return None
        rota = await self._catalog.load(session)
        answers = await schedule_views.who(session, rota, None, at=now)
        mine = await schedule_views.shifts_of(session, rota, user, start=now, days=SHIFT_DAYS)
        lines = [texts.oncall.shift_line(schedule.name, s.start, s.end, schedule.zone) for schedule, s in mine]
        return OnCallLines([answer.line() for answer in answers], lines)

    @staticmethod
    async def _follow_ups(session: AsyncSession, viewer: Viewer) -> list[FollowUp]:
        """The person's open follow-ups, but none of an incident that does not exist for them."""
        shown = []
        for item in await follow_up_queries.list_open_owned_by(session, viewer.user):
            incident = await incident_queries.get_incident(session, item.incident_id)
            if incident is not None and await visible(incident, viewer):
                shown.append(item)
        return shown
