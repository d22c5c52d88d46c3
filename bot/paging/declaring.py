"""`/incident declare`: the incident, the people on call for a schedule, and a policy's paging, in one transaction.

Here rather than in bot/incidents: paging reads incidents, so incidents do not import paging, nor the schedules
whose people it invites. An unknown schedule is refused before anything is declared (the transaction rolls back).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import utcnow
from bot.incidents import lifecycle
from bot.incidents.models import Severity
from bot.incidents.snapshot import IncidentSnapshot
from bot.paging.service import Plan, page_declared
from bot.schedules.catalog import Catalog
from bot.schedules.responders import OnCallNow, on_call_now
from bot.unit_of_work import Begin


@dataclass(frozen=True)
class Declared:
    incident: IncidentSnapshot
    channel: str  # the name its channel is created with
    on_call: OnCallNow | None  # the schedule's people invited, when the declaration named one


async def declare(
    *,
    begin: Begin,
    catalog: Catalog,
    title: str,
    severity: Severity,
    by: str,
    private: bool,
    oncall: str | None = None,
    plan: Plan | None = None,
) -> Declared:
    async with begin() as (session, outbox):
        now = utcnow()
        on_call = await on_call_now(session, await catalog.load(session), oncall, at=now) if oncall else None
        incident, channel = await lifecycle.declare(
            session=session, outbox=outbox, title=title, severity=severity, by=by, private=private, on_call=on_call
        )
        if plan is not None:
            await page_declared(session=session, number=incident.number, plan=plan, by=by, now=now)
    return Declared(incident, channel, on_call)
