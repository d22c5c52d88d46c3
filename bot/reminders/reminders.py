"""Reminders: each tick sends what is due, once, in the transaction that records it was sent.

Due-ness is worked out from stored state (last update, resolution, due date, cadence) and each
reminder's last sending, so a tick can run at any moment, on any replica, after any downtime: a
reminder missed while the bot was down is sent once when it comes back, never once per missed period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config.schema import OncallConfig
from bot.incidents.models import OPEN_STATUSES, RoleName, Severity
from bot.outbox import Outbox
from bot.reminders import retros
from bot.slack.mrkdwn import mention
from bot.slack.texts import render
from bot.slo import digest
from bot.values.durations import format_duration
from storage.queries import incidents as incident_queries
from storage.queries import schedules as queries
from storage.tables import Incident, Reminder

DAILY = timedelta(days=1)


@dataclass
class TickResult:
    nudges: int = 0
    postmortems: int = 0
    follow_ups: int = 0
    retros: int = 0
    digests: int = 0

    @property
    def sent(self) -> int:
        return self.nudges + self.postmortems + self.follow_ups + self.retros + self.digests


def _due(first_due: datetime, reminder: Reminder, repeat: timedelta) -> datetime:
    """When this reminder is next due: at first, then `repeat` after each sending."""
    if reminder.last_sent_at is None or reminder.last_sent_at < first_due:
        return first_due
    return reminder.last_sent_at + repeat


def _sent(reminder: Reminder, now: datetime, next_due: datetime) -> None:
    reminder.last_sent_at, reminder.next_run_at = now, next_due
    reminder.sent_count += 1


class Reminders:
    def __init__(self, config: OncallConfig) -> None:
        self._config = config

    @property
    def zone(self) -> ZoneInfo:
        return self._config.zone

    async def tick(self, *, session: AsyncSession, outbox: Outbox, now: datetime) -> TickResult:
        await queries.lock_scheduler(session)
        result = TickResult()
        result.nudges = await self._status_nudges(session, outbox, now)
        result.postmortems = await self._postmortems_due(session, outbox, now)
        result.follow_ups = await self._follow_ups(session, outbox, now)
        result.retros = await retros.run_due(session=session, outbox=outbox, now=now, zone=self.zone)
        result.digests = await digest.run_due(session=session, outbox=outbox, now=now, zone=self.zone)
        return result

    async def _status_nudges(self, session: AsyncSession, outbox: Outbox, now: datetime) -> int:
        sent = 0
        periods = self._config.reminders.status_update_after
        rows = await queries.open_incidents_with_last_update(session, [status.value for status in OPEN_STATUSES])
        for incident, last_update in rows:
            assert incident.id is not None
            period = periods.get(Severity(incident.severity))
            if period is None:
                continue
            reminder = await queries.reminder(session, "status_nudge", incident.id)
            quiet_since = last_update or incident.declared_at
            # Every update restarts the wait; so does each nudge, so they repeat once per period.
            due = max(quiet_since, reminder.last_sent_at or quiet_since) + period
            if now < due:
                reminder.next_run_at = due
                continue
            roles = await incident_queries.list_roles(session, incident.id)
            commander = next((role.user_id for role in roles if role.role == RoleName.COMMANDER), None)
            text = render(
                "slack/status_nudge.txt.j2",
                incident=incident,
                commander=commander,
                quiet_for=format_duration(_minutes(now - quiet_since)),
            )
            outbox.post(incident.id, text)
            _sent(reminder, now, now + period)
            sent += 1
        return sent

    async def _postmortems_due(self, session: AsyncSession, outbox: Outbox, now: datetime) -> int:
        sent = 0
        after = self._config.reminders.postmortem_due_after
        for incident in await queries.resolved_without_postmortem(session):
            assert incident.id is not None and incident.resolved_at is not None
            reminder = await queries.reminder(session, "postmortem_due", incident.id)
            due = _due(incident.resolved_at + after, reminder, DAILY)
            if now < due:
                reminder.next_run_at = due
                continue
            commander = await self._commander(session, incident)
            outbox.post(incident.id, render("slack/postmortem_due.txt.j2", incident=incident, commander=commander))
            _sent(reminder, now, now + DAILY)
            sent += 1
        return sent

    async def _follow_ups(self, session: AsyncSession, outbox: Outbox, now: datetime) -> int:
        sent = 0
        today = now.astimezone(self.zone).date()
        hour = time(self._config.reminders.follow_up_hour)
        for follow_up in await queries.open_follow_ups_due_by(session, today):
            assert follow_up.id is not None and follow_up.due is not None
            reminder = await queries.reminder(session, "follow_up", follow_up.id)
            due = _due(datetime.combine(follow_up.due, hour, tzinfo=self.zone), reminder, DAILY)
            if now < due:
                reminder.next_run_at = due
                continue
            incident = await incident_queries.get_incident(session, follow_up.incident_id)
            assert incident is not None
            text = render(
                "slack/follow_up_reminder.txt.j2",
                follow_up=follow_up,
                incident=incident,
                overdue_days=(today - follow_up.due).days,
            )
            if follow_up.owner and not incident.is_private:
                outbox.message(follow_up.owner, text)
            else:  # a private incident's stays in its channel: a DM would name it to an owner who is not a member
                outbox.post(follow_up.incident_id, f"{mention(follow_up.owner)} {text}" if follow_up.owner else text)
            _sent(reminder, now, now + DAILY)
            sent += 1
        return sent

    @staticmethod
    async def _commander(session: AsyncSession, incident: Incident) -> str | None:
        assert incident.id is not None
        roles = await incident_queries.list_roles(session, incident.id)
        return next((role.user_id for role in roles if role.role == RoleName.COMMANDER), None)


def _minutes(value: timedelta) -> timedelta:
    return timedelta(minutes=int(value.total_seconds() // 60)) or timedelta(seconds=int(value.total_seconds()))
