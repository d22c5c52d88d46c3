"""`/oncall who|shifts|schedule|override|cover|help`, and the button that accepts a cover request.

Refusals are raised, and handlers/slack/errors.py makes them the ephemeral reply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot import texts
from bot.clock import utcnow
from bot.errors import UsageError
from bot.permissions import Action, Permissions
from bot.schedules import service, views
from bot.schedules.catalog import Catalog
from bot.texts.oncall import USAGE
from bot.unit_of_work import Begin
from handlers.slack.parsing import small_number, sub_command, user_mention
from handlers.slack.payloads import SlashCommand

ACTIONS = ("who", "shifts", "schedule", "override", "cover", "help")
DEFAULT_DAYS = {"shifts": 14, "schedule": 7}
MOST_DAYS = 90


def parse(text: str) -> tuple[str, str]:
    """`/oncall <action> <rest>` as (action, rest); no action is help, an unknown one is refused."""
    return sub_command(text, command="/oncall", known=ACTIONS, usage=USAGE)


def _days(words: list[str], action: str) -> int:
    if not words:
        return DEFAULT_DAYS[action]
    days = small_number(words[0])
    if days is None or not 1 <= days <= MOST_DAYS or len(words) > 1:
        raise UsageError(texts.oncall.BAD_DAYS)
    return days


def _people(words: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """The @mentions at the front of `words`, and the words after them."""
    people: list[str] = []
    while words and words[0].startswith("<@"):
        person = user_mention(words[0])
        if person is None:
            raise UsageError(texts.oncall.MENTION_PEOPLE)
        people.append(person)
        words = words[1:]
    return tuple(dict.fromkeys(people)), words


async def handle_oncall_command(
    ack: AsyncAck, command: dict[str, Any], begin: Begin, catalog: Catalog, permissions: Permissions
) -> None:
    typed = SlashCommand.of(command)
    action, rest = parse(typed.text)
    if action == "override":
        (await permissions.actor(typed.user)).require_admin(Action.OVERRIDE)
    await ack(text=await _run(action, rest.split(), typed, begin, catalog), response_type="ephemeral")


async def _run(action: str, words: list[str], command: SlashCommand, begin: Begin, catalog: Catalog) -> str:
    now = utcnow()
    if action == "help":
        return texts.oncall.HELP
    if action in ("override", "cover"):
        return await _change(action, words, command, begin, catalog, now=now)
    async with begin.reading() as session:
        rota = await catalog.load(session)
        if action == "who":
            answers = await views.who(session, rota, words[0] if words else None, at=now)
            return "\n".join(answer.line() for answer in answers) or texts.oncall.NO_SCHEDULES
        if action == "shifts":
            people, words = _people(words)
            person, days = (people[0] if people else command.user), _days(words, action)
            found = await views.shifts_of(session, rota, person, start=now, days=days)
            if not found:
                return texts.oncall.no_shifts(person, days)
            lines = [texts.oncall.shift_line(s.name, shift.start, shift.end, s.zone) for s, shift in found]
            return "\n".join([texts.oncall.shifts_heading(person, days), *lines])
        # Only schedule is left: parse() refused anything else.
        if not words:
            raise UsageError(texts.oncall.NAME_THE_SCHEDULE)
        schedule, days = rota.get(words[0]), _days(words[1:], action)
        shifts = await views.coming(session, rota, schedule.name, start=now, days=days)
        heading = texts.oncall.schedule_heading(schedule.name, schedule.zone, days)
        return "\n".join([heading, *views.shift_lines(schedule, shifts)])


async def _change(
    action: str, words: list[str], command: SlashCommand, begin: Begin, catalog: Catalog, *, now: datetime
) -> str:
    if action == "override" and words[:1] == ["remove"]:
        override_id = small_number(words[1].lstrip("#")) if len(words) == 2 else None
        if override_id is None:
            raise UsageError(texts.oncall.NAME_THE_OVERRIDE)
        async with begin() as (session, _):
            removed = await service.remove_override(session=session, override_id=override_id, by=command.user, now=now)
        return texts.oncall.override_removed(override_id, removed.schedule)
    if action == "override":
        if len(words) < 4:
            raise UsageError(texts.oncall.OVERRIDE_NEEDS)
        people, times = _people(words[1:])
        if not people or len(times) != 2:
            raise UsageError(texts.oncall.OVERRIDE_NEEDS)
        async with begin() as (session, outbox):
            rota = await catalog.load(session)
            override, schedule = await service.add_override(
                session=session, outbox=outbox, rota=rota, name=words[0], people=people,
                start=times[0], end=times[1], by=command.user, now=now,
            )  # fmt: skip
        return texts.oncall.override_made(
            override.id, schedule.name, people, override.start_at, override.end_at, schedule.zone
        )
    # A cover request: schedule, from, to, and maybe the one person asked.
    if len(words) < 3:
        raise UsageError(texts.oncall.COVER_NEEDS)
    asked, extra = _people(words[3:])
    if extra or len(asked) > 1:
        raise UsageError(texts.oncall.COVER_NEEDS)
    async with begin() as (session, outbox):
        rota = await catalog.load(session)
        request, where = await service.request_cover(
            session=session, outbox=outbox, rota=rota, name=words[0], start=words[1], end=words[2],
            by=command.user, asked=asked[0] if asked else None, now=now,
        )  # fmt: skip
    return texts.oncall.cover_asked(request.id, where)


async def handle_cover_accept(ack: AsyncAck, body: dict[str, Any], begin: Begin, catalog: Catalog) -> None:
    await ack()
    action = body["actions"][0]
    request_id = small_number(str(action.get("value", "")))
    if request_id is None:
        raise UsageError(texts.oncall.cover_gone(0))
    async with begin() as (session, outbox):
        rota = await catalog.load(session)
        await service.accept_cover(
            session=session, outbox=outbox, rota=rota, request_id=request_id, by=str(body["user"]["id"]), now=utcnow()
        )
