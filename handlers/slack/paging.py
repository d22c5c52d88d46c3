"""`/incident page|ack`, and the Acknowledge and Escalate now buttons of a page.

Refusals are raised, and handlers/slack/errors.py makes them the ephemeral reply.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot import texts
from bot.clock import utcnow
from bot.config.schema import OncallConfig
from bot.errors import UserError
from bot.incidents.models import IncidentRef
from bot.incidents.target import Target
from bot.paging import service
from bot.paging.service import Plan
from bot.permissions import Permissions
from bot.unit_of_work import Begin
from handlers.slack.parsing import first_word, small_number, usage_error, user_mention


def plan_for(word: str, config: OncallConfig) -> Plan:
    """What `/incident page <word>` names: an @person, an escalation policy, or a schedule."""
    person = user_mention(word)
    if person is not None:
        return Plan.single(f"user:{person}", f"<@{person}>")
    policy = config.policy(word)
    if policy is not None:
        return Plan.of(policy)
    schedule = next((s for s in config.schedules if s.name.lower() == word.lower()), None)
    if schedule is not None:
        return Plan.single(f"schedule:{schedule.name}", f"schedule {schedule.name}")
    raise UserError(
        texts.paging.no_such_target(
            word, [p.name for p in config.escalation_policies], [s.name for s in config.schedules]
        )
    )


async def page(*, begin: Begin, target: Target, rest: str, by: str, config: OncallConfig) -> str:
    word, message = first_word(rest)
    if not word:
        raise usage_error("page", texts.paging.PAGE_USAGE)
    plan = plan_for(word, config)
    async with begin() as (session, _):
        return await service.page(session=session, target=target, plan=plan, by=by, message=message, now=utcnow())


async def acknowledge(*, begin: Begin, target: Target, by: str) -> str:
    async with begin() as (session, outbox):
        return await service.acknowledge(session=session, outbox=outbox, target=target, by=by, now=utcnow())


def _clicked(body: dict[str, Any]) -> tuple[IncidentRef, str]:
    number = small_number(str(body["actions"][0].get("value", "")))
    if number is None:
        raise UserError(texts.incidents.no_such_incident("that incident"))
    return IncidentRef(number), str(body["user"]["id"])


async def handle_acknowledge_click(ack: AsyncAck, body: dict[str, Any], begin: Begin, permissions: Permissions) -> None:
    await ack()
    ref, user = _clicked(body)
    target = Target(ref=ref, viewer=await permissions.actor(user))
    await acknowledge(begin=begin, target=target, by=user)


async def handle_escalate_click(ack: AsyncAck, body: dict[str, Any], begin: Begin, permissions: Permissions) -> None:
    await ack()
    ref, user = _clicked(body)
    target = Target(ref=ref, viewer=await permissions.actor(user))
    async with begin() as (session, _):
        await service.escalate_now(session=session, target=target, by=user, now=utcnow())
