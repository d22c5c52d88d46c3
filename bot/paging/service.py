"""Starting, acknowledging and hurrying escalations: what people do from Slack.

Locks are taken in one order everywhere — the incident's row, then its escalations — as the steps
(bot/paging/steps.py) take them, so an acknowledgement and a step never deadlock, and a step waiting
for the incident sees the acknowledgement once it has the lock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.config.paging import PolicyConfig
from bot.errors import UserError
from bot.incidents.models import IncidentRef, reference
from bot.incidents.target import Target, load, record, require_open
from bot.outbox import Outbox
from bot.pagers import events as pagers
from storage.enums import EscalationState
from storage.queries import paging as queries
from storage.tables import Escalation, Incident
from storage.types import utcnow

DEFAULT_WAIT_SECONDS = 300  # a page to a schedule or a person is escalated to nobody: it says so after this


@dataclass(frozen=True)
class Plan:
    """An escalation about to start: the policy's name and a snapshot of its steps."""

    name: str
    steps: list[dict[str, object]]
    repeat: int = 0
    ack_timeout_seconds: int | None = None

    @classmethod
    def of(cls, policy: PolicyConfig) -> Plan:
        steps = [
            {"notify": list(step.notify), "wait": step.wait.total_seconds()}
            # Only when set: the phones go with the snapshot, and steps without them read as before.
            | ({"pagerduty": step.pagerduty} if step.pagerduty else {})
            | ({"webhook": step.webhook} if step.webhook else {})
            for step in policy.steps
        ]
        timeout = int(policy.ack_timeout.total_seconds()) if policy.ack_timeout else None
        return cls(policy.name, steps, policy.repeat, timeout)

    @classmethod
    def single(cls, target: str, shown: str) -> Plan:
        return cls(shown, [{"notify": [target], "wait": DEFAULT_WAIT_SECONDS}])


async def start(
    *, session: AsyncSession, incident: Incident, plan: Plan, by: str, message: str = "", now: datetime
) -> Escalation:
    """An escalation whose first step is due now (the escalation worker performs it)."""
    assert incident.id is not None
    escalation = await queries.add_escalation(
        session,
        Escalation(
            incident_id=incident.id,
            policy=plan.name,
            steps=plan.steps,
            repeat=plan.repeat,
            ack_timeout_seconds=plan.ack_timeout_seconds,
            next_at=now,
            message=message,
            started_by=by,
            started_at=now,
        ),
    )
    await record(session=session, incident=incident, kind="paging", text=f"Paging started: {plan.name}", by=by)
    return escalation


async def page(*, session: AsyncSession, target: Target, plan: Plan, by: str, message: str, now: datetime) -> str:
    incident = await load(session=session, target=target)
    require_open(incident)
    await start(session=session, incident=incident, plan=plan, by=by, message=message, now=now)
    return texts.paging.started(plan.name, reference(incident.id))


async def page_declared(*, session: AsyncSession, number: int, plan: Plan, by: str, now: datetime) -> None:
    """`declare … --page <policy>`: paging starts in the transaction that declares the incident."""
    await page(session=session, target=Target(ref=IncidentRef(number)), plan=plan, by=by, message="", now=now)


async def acknowledge(*, session: AsyncSession, outbox: Outbox, target: Target, by: str, now: datetime) -> str:
    """Stop every escalation of the incident, set its acknowledged time, and say so once in its channel."""
    incident = await load(session=session, target=target)
    assert incident.id is not None
    ref = reference(incident.id)
    stopped = await queries.stop_all(session, incident.id, state=EscalationState.ACKNOWLEDGED, by=by, now=now)
    if not stopped and incident.acknowledged_at is not None:
        raise UserError(texts.paging.already_acknowledged(ref))
    # The first acknowledgement stands (time to acknowledge is measured to it); the summary names its person.
    incident.acknowledged_at = incident.acknowledged_at or now
    incident.acknowledged_by = incident.acknowledged_by or by
    await pagers.follow(session, outbox, incident, "acknowledge", by=by)
    await record(session=session, incident=incident, kind="acknowledged", text=f"Acknowledged by <@{by}>", by=by)
    outbox.post(incident.id, texts.paging.acknowledged(by, ref, now))
    outbox.refresh(incident.id)
    return texts.paging.acknowledged(by, ref, now)


async def escalate_now(*, session: AsyncSession, target: Target, by: str, now: datetime) -> str:
    """The next step of every escalation under way is due now, instead of after its wait."""
    incident = await load(session=session, target=target)
    assert incident.id is not None
    active = await queries.active_of(session, incident.id)
    if not active:
        raise UserError(texts.paging.nothing_to_escalate(reference(incident.id)))
    for escalation in active:
        escalation.next_at = now
    await record(session=session, incident=incident, kind="paging", text="Escalated now", by=by)
    return texts.paging.escalated(reference(incident.id))


def policy_starter(policies: Sequence[PolicyConfig]) -> Callable[[AsyncSession, Incident, str], Awaitable[None]]:
    """What alert ingestion calls when a route with `escalation:` opens an incident (the config checked the name)."""
    by_name = {policy.name.lower(): policy for policy in policies}

    async def start_policy(session: AsyncSession, incident: Incident, name: str) -> None:
        await start(
            session=session, incident=incident, plan=Plan.of(by_name[name.lower()]), by=incident.origin, now=utcnow()
        )

    return start_policy
