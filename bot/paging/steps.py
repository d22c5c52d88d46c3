"""Performing escalation steps: any replica, each step once, in order, never after an acknowledgement.

A step is one transaction: lock the incident, then the escalation (bot/paging/service.py takes them in
the same order), check it is still under way and due, write its pages to the outbox, advance it. A
process killed mid-step rolls back and the step is performed by whoever claims it next; a second
replica waiting on the lock finds the step done. A bot that was down performs overdue steps one at a
time, each a full wait after the one before, saying it is late.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.incidents.models import Status, reference
from bot.incidents.target import record
from bot.outbox import Effect, Outbox
from bot.pagers import events as pagers
from bot.paging.blocks import page_blocks
from bot.schedules import resolver
from bot.schedules.catalog import Catalog, Rota
from storage.enums import EscalationState
from storage.queries import paging as queries
from storage.tables import Escalation, Incident, Page

# A step performed this much after it was due says it is late.
LATE_AFTER = timedelta(seconds=60)


async def due(session: AsyncSession, now: datetime) -> list[int]:
    return [escalation.id for escalation in await queries.due_ids(session, now) if escalation.id is not None]


async def perform(
    *, session: AsyncSession, outbox: Outbox, catalog: Catalog, escalation_id: int, now: datetime
) -> bool:
    """Perform the escalation's due step, if it still has one; whether a step (or the end) was done."""
    found = await queries.get_escalation(session, escalation_id)
    if found is None:
        return False
    incident = await queries.lock_incident(session, found.incident_id)
    escalation = await queries.get_escalation(session, escalation_id, for_update=True)
    if incident is None or escalation is None:
        return False
    rearming = escalation.state is EscalationState.ACKNOWLEDGED and escalation.rearm_at is not None
    if rearming and not await _rearm(session, outbox, incident, escalation, now):
        return False
    if escalation.state is not EscalationState.ACTIVE or escalation.next_at > now:
        return False  # acknowledged, resolved, or performed by another replica meanwhile
    if not Status(incident.status).is_open:
        escalation.state, escalation.stopped_at = EscalationState.RESOLVED, now
        return True
    if escalation.step >= len(escalation.steps):
        if escalation.round >= escalation.repeat:
            await _exhausted(session, outbox, incident, escalation, now)
            return True
        escalation.round, escalation.step = escalation.round + 1, 0
    step = escalation.steps[escalation.step]
    await _page(session, outbox, await catalog.load(session), incident, escalation, step, now)
    escalation.step += 1
    escalation.next_at = now + _wait(step)
    return True


async def _page(
    session: AsyncSession,
    outbox: Outbox,
    rota: Rota,
    incident: Incident,
    escalation: Escalation,
    step: dict[str, object],
    now: datetime,
) -> None:
    assert incident.id is not None and escalation.id is not None
    ref = reference(incident.id)
    where = texts.paging.step_of(escalation.step, len(escalation.steps), escalation.policy, escalation.round)
    late = texts.paging.late(now - escalation.next_at) if now - escalation.next_at > LATE_AFTER else ""
    pages = await _targets(session, rota, _notify(step), now)
    phones = pagers.of_step(step)
    if not pages and not phones:
        outbox.post(incident.id, texts.paging.nobody_to_page(where))
        await record(session=session, incident=incident, kind="paging", text=f"Nobody to page at {where}", by=None)
        return
    people = [target for kind, target, _ in pages if kind == "user"]
    for kind, target, _ in pages:
        if kind == "user":
            text = texts.paging.page(
                ref, incident.title, incident.severity, incident.channel_id, where, escalation.message, late
            )
            outbox.message(target, text, blocks=page_blocks(incident.id, text))
        else:
            mention = f"<!subteam^{target}>" if kind == "usergroup" and target.startswith("S") else target
            text = texts.paging.group_page(mention, ref, incident.title, incident.severity, where, late)
            to = incident.channel_id if kind == "usergroup" and incident.channel_id else target
            outbox.message(to, text, blocks=page_blocks(incident.id, text))
    for kind, target in phones:
        pagers.trigger(
            outbox,
            incident,
            kind=kind,
            target=target,
            policy=escalation.policy,
            step=escalation.step + 1,
            message=escalation.message,
        )
    if people:  # paged people join the channel, where the incident is worked
        outbox.add(Effect.INVITE, incident_id=incident.id, users=people)
    shown = [f"<@{target}>" if kind == "user" else target for kind, target, _ in pages]
    shown += [texts.paging.paged(kind, target) for kind, target in phones]
    pages += [(kind, target, kind) for kind, target in phones]  # recorded: what acknowledging tells later
    outbox.post(incident.id, texts.paging.paging(shown, where) + late)
    await queries.add_pages(
        session,
        [
            Page(
                escalation_id=escalation.id,
                incident_id=incident.id,
                step=escalation.step,
                round=escalation.round,
                kind=kind,
                target=target,
                via=via,
                at=now,
            )
            for kind, target, via in pages
        ],
    )
    await record(
        session=session, incident=incident, kind="paging", text=texts.paging.timeline_paged(shown, where), by=None
    )


# A step as the escalation's snapshot stores it (bot/paging/service.py's Plan): JSON, so read with care.
def _notify(step: dict[str, object]) -> list[str]:
    notify = step.get("notify")
    return [str(target) for target in notify] if isinstance(notify, list) else []


def _wait(step: dict[str, object]) -> timedelta:
    wait = step.get("wait")
    return timedelta(seconds=float(wait) if isinstance(wait, int | float) else 0)


async def _targets(
    session: AsyncSession, rota: Rota, notify: Sequence[str], now: datetime
) -> list[tuple[str, str, str]]:
    """(kind, target, via) for each one paged: a schedule's people on call now, a user, a group, a channel."""
    found: dict[tuple[str, str], str] = {}
    for target in notify:
        kind, _, name = target.partition(":")
        if kind == "schedule":
            schedule = rota.get(name)
            overrides = (await rota.overrides(session, now, now + timedelta(seconds=1), of=[schedule.name]))[
                schedule.name
            ]
            for person in resolver.on_call(schedule, overrides, now, horizon=timedelta(days=1)).people:
                if person.startswith(("U", "W")):  # an e-mail Slack has no user for cannot be paged
                    found.setdefault(("user", person), target)
        else:
            found.setdefault((kind, name), target)
    return [(kind, name, via) for (kind, name), via in found.items()]


async def _rearm(
    session: AsyncSession, outbox: Outbox, incident: Incident, escalation: Escalation, now: datetime
) -> bool:
    """The policy's ack_timeout ran out: with no update since the acknowledgement, paging starts again."""
    assert incident.id is not None and escalation.stopped_at is not None
    acknowledged_at, by = escalation.stopped_at, escalation.stopped_by
    if escalation.rearm_at is None or escalation.rearm_at > now:
        return False
    escalation.rearm_at = None
    if not Status(incident.status).is_open or await queries.updated_since(session, incident.id, acknowledged_at):
        return False  # someone is on it; the status nudges take over from here
    escalation.state, escalation.step, escalation.round, escalation.next_at = EscalationState.ACTIVE, 0, 0, now
    escalation.stopped_by = escalation.stopped_at = None
    text = texts.paging.rearmed(reference(incident.id), by, now - acknowledged_at, escalation.policy)
    outbox.post(incident.id, text)
    await record(session=session, incident=incident, kind="paging", text=f"Paging again: {escalation.policy}", by=None)
    return True


async def _exhausted(
    session: AsyncSession, outbox: Outbox, incident: Incident, escalation: Escalation, now: datetime
) -> None:
    assert incident.id is not None
    escalation.state, escalation.stopped_at = EscalationState.EXHAUSTED, now
    outbox.post(incident.id, texts.paging.exhausted(escalation.policy, reference(incident.id)))
    await record(
        session=session, incident=incident, kind="paging", text=f"{escalation.policy} ran out of steps", by=None
    )
