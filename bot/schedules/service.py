"""State changes of schedules made from Slack: overrides, and cover requests that become overrides."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import UserError
from bot.outbox import Outbox
from bot.schedules.blocks import cover_request_blocks
from bot.schedules.catalog import Rota
from bot.schedules.clock import instant, utc
from bot.schedules.models import Schedule
from storage.enums import CoverState
from storage.queries import oncall as queries
from storage.tables import OncallCoverRequest, OncallOverride

# Longer than any sane swap or leave; a typo in the year (2072 for 2027) is refused instead of stored.
LONGEST = timedelta(days=90)


def parse_time(text: str, zone: ZoneInfo, *, now: datetime) -> datetime:
    """`2027-01-13T12:00` in the schedule's zone, `2027-01-13T12:00+01:00` as written, or `now`."""
    if text.strip().lower() == "now":
        return now
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(texts.oncall.not_a_time(text)) from None
    return utc(moment) if moment.tzinfo is not None else instant(moment, zone)


def time_range(schedule: Schedule, start_text: str, end_text: str, *, now: datetime) -> tuple[datetime, datetime]:
    zone = schedule.zone
    start, end = parse_time(start_text, zone, now=now), parse_time(end_text, zone, now=now)
    if end <= start:
        raise UserError(texts.oncall.ends_before_it_starts(start, end, zone))
    if end <= now:
        raise UserError(texts.oncall.in_the_past(end, zone))
    if end - start > LONGEST:
        raise UserError(texts.oncall.too_long(LONGEST))
    return start, end


async def add_override(
    *,
    session: AsyncSession,
    outbox: Outbox,
    rota: Rota,
    name: str,
    people: tuple[str, ...],
    start: str,
    end: str,
    by: str,
    now: datetime,
) -> tuple[OncallOverride, Schedule]:
    schedule = rota.get(name)
    begins, ends = time_range(schedule, start, end, now=now)
    override = await queries.add_override(
        session,
        OncallOverride(schedule=schedule.name, people=list(people), start_at=begins, end_at=ends, created_by=by),
    )
    for person in people:
        if person != by:  # told by DM: being put on call is not something to learn from the hand-off post
            outbox.message(person, texts.oncall.you_are_overriding(by, schedule.name, begins, ends, schedule.zone))
    return override, schedule


async def remove_override(*, session: AsyncSession, override_id: int, by: str, now: datetime) -> OncallOverride:
    override = await queries.get_override(session, override_id)
    if override is None or override.removed_at is not None:
        raise UserError(texts.oncall.no_such_override(override_id))
    override.removed_at, override.removed_by = now, by
    return override


async def request_cover(
    *,
    session: AsyncSession,
    outbox: Outbox,
    rota: Rota,
    name: str,
    start: str,
    end: str,
    by: str,
    asked: str | None,
    now: datetime,
) -> tuple[OncallCoverRequest, str]:
    """Ask the schedule's channel (or one person) to take a range; returns the request and whom it asked."""
    schedule = rota.get(name)
    begins, ends = time_range(schedule, start, end, now=now)
    to = asked or schedule.channel
    if to is None:
        raise UserError(texts.oncall.no_channel_to_ask(schedule.name))
    request = await queries.add_cover_request(
        session,
        OncallCoverRequest(schedule=schedule.name, start_at=begins, end_at=ends, requested_by=by, asked=asked),
    )
    assert request.id is not None  # flushed
    text = texts.oncall.cover_request(by, schedule.name, begins, ends, schedule.zone)
    outbox.message(to, text, blocks=cover_request_blocks(request.id, text))
    return request, (f"<@{asked}>" if asked else to if to.startswith("#") else f"<#{to}>")


async def accept_cover(
    *, session: AsyncSession, outbox: Outbox, rota: Rota, request_id: int, by: str, now: datetime
) -> str:
    """The person who pressed the button covers the range: an override, and everyone concerned told."""
    request = await queries.get_cover_request(session, request_id)
    if request is None or request.state not in (CoverState.OPEN, CoverState.ACCEPTED):
        raise UserError(texts.oncall.cover_gone(request_id))
    if request.state is CoverState.ACCEPTED:
        raise UserError(texts.oncall.cover_taken(request_id, request.accepted_by or "someone"))
    if request.asked is not None and request.asked != by:
        raise UserError(texts.oncall.cover_gone(request_id))
    schedule = rota.get(request.schedule)
    override = await queries.add_override(
        session,
        OncallOverride(
            schedule=schedule.name,
            people=[by],
            start_at=request.start_at,
            end_at=request.end_at,
            created_by=by,
            cover_request_id=request.id,
        ),
    )
    request.state, request.accepted_by, request.override_id = CoverState.ACCEPTED, by, override.id
    accepted = texts.oncall.cover_accepted(by, schedule.name, request.start_at, request.end_at, schedule.zone)
    outbox.message(request.requested_by, accepted)
    if request.asked is None and schedule.channel is not None:
        outbox.message(schedule.channel, accepted)
    return accepted
