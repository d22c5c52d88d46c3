"""Pager events written to the outbox: a step's trigger, then the acknowledgement and resolution that follow.

Each pager of an incident (a PagerDuty routing key, a webhook URL) has its own outbox lane: its events
reach it in the order they happened (trigger, acknowledge, resolve), and neither Slack nor another pager
being down holds them up. A trigger is recorded as a Page (kind "pagerduty" or "webhook", the routing key
or URL as target) by the step that sends it: `follow` reads those, so only pagers that were paged hear more.

Everything the request needs is stored with the entry (the settings aside: URL, dedup prefix, secret):
every retry sends the same event, with the same dedup_key and delivery id, so receivers de-duplicate.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox import Effect, Outbox
from storage.queries import paging as queries
from storage.tables import Incident
from storage.types import utcnow

PagerKind = Literal["pagerduty", "webhook"]
KINDS: tuple[PagerKind, ...] = ("pagerduty", "webhook")
Event = Literal["trigger", "acknowledge", "resolve"]
EFFECTS = {"pagerduty": Effect.PAGERDUTY_EVENT, "webhook": Effect.WEBHOOK_EVENT}


def of_step(step: Mapping[str, object]) -> list[tuple[PagerKind, str]]:
    """The pagers a step (as stored in its escalation) names, PagerDuty first."""
    return [(kind, str(step[kind])) for kind in KINDS if step.get(kind)]


def lane(kind: str, incident_id: int, target: str) -> str:
    # A routing key lets anyone page the service: the lane, shown by `oncall-bot outbox`, names a digest of it.
    return f"{kind}:{incident_id}:{hashlib.sha256(target.encode()).hexdigest()[:16]}"


def facts(incident: Incident) -> dict[str, Any]:
    """The incident as a pager is told of it, as it is when the event happens."""
    return {
        "number": incident.id,
        "reference": f"INC-{incident.id}",
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "service": incident.service,
        "channel_id": incident.channel_id,
        "channel_name": incident.channel_name,
    }


def trigger(
    outbox: Outbox, incident: Incident, *, kind: PagerKind, target: str, policy: str, step: int, message: str
) -> None:
    """Page through `target` for the incident: step is the policy's step, counted from 1."""
    _add(outbox, incident, kind, target, "trigger", policy=policy, step=step, message=message)


async def follow(session: AsyncSession, outbox: Outbox, incident: Incident, event: Event, *, by: str | None) -> None:
    """Tell every pager the incident's escalations triggered that it is acknowledged or resolved."""
    assert incident.id is not None
    for kind, target in await queries.pagers_paged(session, incident.id, kinds=KINDS):
        _add(outbox, incident, kind, target, event, by=by)


def _add(outbox: Outbox, incident: Incident, kind: str, target: str, event: Event, **details: Any) -> None:
    assert incident.id is not None
    outbox.add(
        EFFECTS[kind],
        incident_id=incident.id,
        lane=lane(kind, incident.id, target),
        target=target,
        event=event,
        incident=facts(incident),
        delivery=uuid.uuid4().hex,  # the webhook's delivery id: one per event, the same on every retry
        at=utcnow().isoformat(),
        **details,
    )
