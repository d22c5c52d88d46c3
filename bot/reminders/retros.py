"""Retro cadences: schedule, list, cancel, keep the configured ones in sync, and post each agenda."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.config.schema import OncallConfig
from bot.errors import UserError
from bot.incidents.messaging import humanize
from bot.outbox import Outbox
from bot.slack.texts import render
from bot.values.cadence import Cadence, local_start
from bot.values.durations import format_duration, parse_duration
from bot.visibility import is_public
from storage.queries import incidents as incident_queries
from storage.queries import schedules as queries
from storage.tables import Retro

PLAN_LIMIT = 20  # dates shown for a cadence without end
_JUST_BEFORE = timedelta(microseconds=1)


def cadence_of(retro: Retro, zone: ZoneInfo) -> Cadence:
    return Cadence(retro.start_at.astimezone(zone), timedelta(seconds=retro.cadence_seconds), retro.count)


def plan(*, start: str, cadence: str, count: int | None, zone: ZoneInfo, limit: int = PLAN_LIMIT) -> list[datetime]:
    """The dates a cadence would fire on, checked the way `/retro schedule` checks them."""
    parsed = _cadence(start, cadence, count, zone)
    dates = []
    for fire in parsed.occurrences():
        dates.append(fire)
        if len(dates) >= limit:
            break
    return dates


def _cadence(start: str, cadence: str, count: int | None, zone: ZoneInfo) -> Cadence:
    try:
        return Cadence(local_start(start, zone), parse_duration(cadence), count)
    except ValueError as exc:
        raise UserError(str(exc)) from None


async def schedule(
    *,
    session: AsyncSession,
    channel: str,
    start: str,
    cadence: str,
    count: int | None,
    by: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> tuple[Retro, datetime]:
    parsed = _cadence(start, cadence, count, zone)
    first = parsed.next_after(now - _JUST_BEFORE)
    if first is None:
        raise UserError(texts.reminders.all_in_the_past(count, start, cadence))
    retro = await queries.insert_retro(
        session,
        Retro(
            channel=channel,
            start_at=parsed.start,
            cadence_seconds=int(parsed.every.total_seconds()),
            count=count,
            created_by=by,
            next_run_at=first,
        ),
    )
    return retro, first


async def upcoming(*, session: AsyncSession, zone: ZoneInfo) -> list[tuple[Retro, str]]:
    """Active retros with a description people can read."""
    described = []
    for retro in await queries.active_retros(session):
        if retro.next_run_at is None:
            continue
        cadence = format_duration(timedelta(seconds=retro.cadence_seconds))
        left = "" if retro.count is None else f", {retro.count - retro.runs} left"
        when = retro.next_run_at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")
        described.append((retro, f"every {cadence}{left}, next {when}"))
    return described


async def cancel(*, session: AsyncSession, retro_id: int, now: datetime) -> Retro:
    retro = await queries.get_retro(session, retro_id)
    if retro is None or retro.cancelled_at is not None:
        raise UserError(texts.reminders.no_such_retro(retro_id))
    if retro.config_key is not None:
        raise UserError(texts.reminders.configured(retro_id))
    retro.cancelled_at = now
    return retro


async def sync_config(*, session: AsyncSession, config: OncallConfig, now: datetime) -> None:
    """Make the configured retros the stored ones: new ones added, removed ones cancelled."""
    wanted = {
        f"{item.channel}|{item.start}|{int(item.cadence.total_seconds())}|{item.count}": item for item in config.retros
    }
    for retro in await queries.config_retros(session):
        if retro.config_key not in wanted and retro.cancelled_at is None:
            retro.cancelled_at = now
    for key, item in wanted.items():
        existing = await queries.retro_by_config_key(session, key)
        if existing is not None:
            existing.cancelled_at = None
            continue
        parsed = Cadence(local_start(item.start, config.zone), item.cadence, item.count)
        await queries.insert_retro(
            session,
            Retro(
                channel=item.channel,
                start_at=parsed.start,
                cadence_seconds=int(item.cadence.total_seconds()),
                count=item.count,
                config_key=key,
                next_run_at=parsed.next_after(now - _JUST_BEFORE),
            ),
        )


async def run_due(*, session: AsyncSession, outbox: Outbox, now: datetime, zone: ZoneInfo) -> int:
    """Post the agenda of every retro that is due; a retro missed during downtime is posted once."""
    posted = 0
    for retro in await queries.active_retros(session):
        if retro.next_run_at is None or retro.next_run_at > now:
            continue
        since = retro.last_run_at or (retro.next_run_at - timedelta(seconds=retro.cadence_seconds))
        outbox.message(retro.channel, await agenda(session=session, since=since, now=now, zone=zone, retro=retro))
        retro.runs += 1
        retro.last_run_at = now
        retro.next_run_at = cadence_of(retro, zone).next_after(now)
        posted += 1
    return posted


async def agenda(*, session: AsyncSession, since: datetime, now: datetime, zone: ZoneInfo, retro: Retro) -> str:
    """A retro channel is no private incident's channel: private incidents are counted, never named."""
    declared = await queries.incidents_declared_between(session, since, now)
    incidents = [incident for incident in declared if is_public(incident)]
    durations = {
        incident.id: humanize(((incident.resolved_at or now) - incident.declared_at).total_seconds())
        for incident in incidents
    }
    awaiting = await queries.incidents_awaiting_postmortem_review(session)
    overdue = []
    for item in await queries.overdue_follow_ups(session, now.astimezone(zone).date()):
        incident = await incident_queries.get_incident(session, item.incident_id)
        if incident is not None and is_public(incident):
            overdue.append(item)
    return render(
        "slack/retro_agenda.txt.j2",
        retro=retro,
        since=since.astimezone(zone).strftime("%Y-%m-%d"),
        incidents=incidents,
        private_incidents=len(declared) - len(incidents),
        durations=durations,
        awaiting=[incident for incident in awaiting if is_public(incident)],
        overdue=overdue,
    )


def describe_dates(dates: Sequence[datetime]) -> list[str]:
    return [date.strftime("%a %Y-%m-%d %H:%M %Z") for date in dates]
