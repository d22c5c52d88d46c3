"""Hand-offs: what the scheduler's leader tells people as on-call changes hands.

Each tick compares who is on call now with who the last hand-off announced (kept per schedule in the
database, its row locked for the tick): a change is announced once — a post in the schedule's channel,
its user group set — however many boundaries passed while the bot was down, and a second replica's
tick, waiting on the lock, finds nothing left to say. Shift notices, weekly gap reports and moved-shift
messages are each recorded by (schedule, kind, instant, subject) before they go into the outbox.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.outbox import Effect, Outbox
from bot.schedules import resolver
from bot.schedules.catalog import Catalog, Rota
from bot.schedules.clock import instant, wall
from bot.schedules.config import ScheduleConfig
from bot.schedules.models import Override, Schedule, Shift
from storage.queries import oncall as queries
from storage.tables import OncallScheduleState

log = logging.getLogger("oncall.schedules")

# A hand-off's key is the start of the shift it opens, looked for this far back (a longer shift is keyed
# by this instant instead: only the key's uniqueness matters, and the locked state row already ensures it).
LOOKBACK = timedelta(days=7)
GAPS_AHEAD_DAYS = 14
MOVED_AHEAD = timedelta(days=14)
# The weekly gaps report goes out on Monday at this local hour, or on the first tick after it.
GAPS_WEEKDAY, GAPS_HOUR = 0, 9


def schedule_lane(name: str) -> str:
    """One schedule's posts and user-group updates happen in the order they were decided."""
    return f"schedule:{name}"


def definition_hash(config: ScheduleConfig) -> str:
    return hashlib.sha256(json.dumps(_definition(config), sort_keys=True).encode()).hexdigest()


def _definition(config: ScheduleConfig) -> dict[str, object]:
    return config.model_dump(mode="json", by_alias=True)


class Handoffs:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def sync(self, *, session: AsyncSession, outbox: Outbox, now: datetime) -> None:
        """At start-up: a state row per schedule; a changed definition tells people whose shifts moved."""
        if not self.catalog.configs:
            return
        rota = await self.catalog.load(session)
        states = await queries.schedule_states(session)
        for config in self.catalog.configs.values():
            digest = definition_hash(config)
            state = states.get(config.name)
            if state is None:
                await queries.add_state(
                    session,
                    OncallScheduleState(
                        name=config.name,
                        definition=_definition(config),
                        definition_hash=digest,
                        calendar_token=secrets.token_urlsafe(24),
                        updated_at=now,
                    ),
                )
                continue
            state = await queries.schedule_state(session, config.name)  # locked: one replica tells people
            if state is None or state.definition_hash == digest:
                continue
            try:
                before = ScheduleConfig.model_validate(state.definition).to_schedule(self.catalog.zone_of(config))
            except ValueError:  # stored by a version that wrote it otherwise: nobody to compare with
                log.warning("schedules.old_definition_unreadable schedule=%s", config.name)
            else:
                await self._tell_moved(session, outbox, rota, before, rota.get(config.name), now=now, digest=digest)
            state.definition, state.definition_hash, state.updated_at = _definition(config), digest, now

    async def _tell_moved(
        self,
        session: AsyncSession,
        outbox: Outbox,
        rota: Rota,
        before: Schedule,
        after: Schedule,
        *,
        now: datetime,
        digest: str,
    ) -> None:
        # A definition's change moves no past shift (nothing past is re-announced); people are told
        # about their coming ones. Calendars are the same before and after, so they are left out of both.
        overrides = (await rota.overrides(session, now, now + MOVED_AHEAD, of=[after.name]))[after.name]
        old = _by_person(resolver.shifts(before, overrides, now, now + MOVED_AHEAD))
        new = _by_person(resolver.shifts(after, overrides, now, now + MOVED_AHEAD))
        for person in sorted(set(old) | set(new)):
            if not person.startswith(("U", "W")) or old.get(person) == new.get(person):
                continue
            subject = f"{person}:{digest[:16]}"
            if await queries.announce(session, schedule=after.name, kind="moved", at=now, subject=subject, now=now):
                lines = [
                    texts.oncall.shift_line(after.name, start, end, after.zone) for start, end in new.get(person, [])
                ] or [texts.oncall.NO_SHIFTS_LEFT]
                outbox.message(person, "\n".join([texts.oncall.shifts_moved(after.name), *lines]))

    async def tick(self, *, session: AsyncSession, outbox: Outbox, now: datetime) -> int:
        """Everything due at `now`; how many things were announced."""
        if not self.catalog.configs:
            return 0
        rota = await self.catalog.load(session)
        overrides = await rota.overrides(session, now - LOOKBACK, now + timedelta(days=GAPS_AHEAD_DAYS))
        told = 0
        for schedule in rota.schedules.values():
            mine = overrides.get(schedule.name, [])
            told += await self._handoff(session, outbox, schedule, mine, now)
            told += await self._notices(session, outbox, schedule, mine, now)
            told += await self._gaps(session, outbox, schedule, mine, now)
        return told

    async def _handoff(
        self, session: AsyncSession, outbox: Outbox, schedule: Schedule, overrides: Sequence[Override], now: datetime
    ) -> int:
        state = await queries.schedule_state(session, schedule.name)
        if state is None:  # not synced yet: the next tick after start-up's sync
            return 0
        current = resolver.on_call(schedule, overrides, now)
        people = list(current.people)
        if state.announced_people == people:
            return 0
        first = state.announced_people is None
        off, since = state.announced_people or [], state.announced_at
        state.announced_people, state.announced_at, state.updated_at = people, now, now
        if schedule.usergroup:
            outbox.add(
                Effect.SET_USERGROUP,
                incident_id=None,
                lane=schedule_lane(schedule.name),
                schedule=schedule.name,
                handle=schedule.usergroup,
                channel=schedule.channel,
                users=people,
            )
        if first or schedule.channel is None:  # a new schedule is set up quietly: nothing was handed off
            return 0
        boundary = resolver.shifts(schedule, overrides, now - LOOKBACK, now + timedelta(microseconds=1))[-1].start
        if not await queries.announce(
            session, schedule=schedule.name, kind="handoff", at=boundary, subject=",".join(people), now=now
        ):
            return 0
        lines = [texts.oncall.handoff(schedule.name, off, people, current.until, schedule.zone)]
        if since is not None:
            opened, resolved, firing, due = await queries.shift_summary(
                session, since, now, today=wall(now, schedule.zone).date()
            )
            lines.append(texts.oncall.shift_summary(opened, resolved, firing, due))
        outbox.message(schedule.channel, "\n".join(lines), lane=schedule_lane(schedule.name))
        return 1

    async def _notices(
        self, session: AsyncSession, outbox: Outbox, schedule: Schedule, overrides: Sequence[Override], now: datetime
    ) -> int:
        if schedule.notify_before is None:
            return 0
        coming = resolver.shifts(schedule, overrides, now, now + schedule.notify_before)
        told = 0
        for before, shift in pairwise(coming):
            for person in sorted(set(shift.people) - set(before.people)):
                if not person.startswith(("U", "W")):  # an e-mail Slack has no user for cannot get a DM
                    continue
                if await queries.announce(
                    session, schedule=schedule.name, kind="notice", at=shift.start, subject=person, now=now
                ):
                    until = resolver.on_call(schedule, overrides, shift.start).until
                    outbox.message(person, texts.oncall.shift_notice(schedule.name, shift.start, until, schedule.zone))
                    told += 1
        return told

    async def _gaps(
        self, session: AsyncSession, outbox: Outbox, schedule: Schedule, overrides: Sequence[Override], now: datetime
    ) -> int:
        if schedule.channel is None:
            return 0
        local = wall(now, schedule.zone)
        monday = (local - timedelta(days=(local.weekday() - GAPS_WEEKDAY) % 7)).replace(
            hour=GAPS_HOUR, minute=0, second=0, microsecond=0
        )
        due = instant(monday, schedule.zone)
        if now < due:
            due = instant(monday - timedelta(days=7), schedule.zone)
        if not await queries.announce(session, schedule=schedule.name, kind="gaps", at=due, now=now):
            return 0
        gaps = [
            s for s in resolver.shifts(schedule, overrides, now, now + timedelta(days=GAPS_AHEAD_DAYS)) if not s.people
        ]
        if not gaps:
            return 0
        lines = [texts.oncall.gaps_report(schedule.name, GAPS_AHEAD_DAYS)]
        lines += [texts.oncall.gap_line(gap.start, gap.end, schedule.zone) for gap in gaps]
        outbox.message(schedule.channel, "\n".join(lines), lane=schedule_lane(schedule.name))
        return 1


def _by_person(shifts: Sequence[Shift]) -> dict[str, list[tuple[datetime, datetime]]]:
    found: dict[str, list[tuple[datetime, datetime]]] = {}
    for shift in shifts:
        for person in shift.people:
            found.setdefault(person, []).append((shift.start, shift.end))
    return found
