"""What the outbox worker takes first when Slack's budget is short, on both databases."""

from __future__ import annotations

from datetime import timedelta

from bot.incidents import lifecycle
from bot.incidents.models import Severity
from bot.outbox import Effect, alert_group_lane
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.queries import outbox as queries
from storage.types import utcnow


async def test_an_incidents_effects_come_before_alert_posts_that_were_queued_earlier(database: Database) -> None:
    begin = unit_of_work(database)
    async with begin() as (_, outbox):
        for group in range(1, 6):
            outbox.add(Effect.SYNC_ALERT_GROUP, incident_id=None, lane=alert_group_lane(group), group_id=group)
    async with begin() as (session, outbox):
        incident, _ = await lifecycle.declare(
            session=session, outbox=outbox, title="Payments down", severity=Severity.SEV1, by="U1"
        )
    async with database.reading() as session:
        due = await queries.list_due(session, utcnow() + timedelta(seconds=1), limit=3)
    assert [entry.incident_id for entry in due] == [incident.number, None, None]


async def test_a_deferred_entry_waits_without_counting_an_attempt(database: Database) -> None:
    begin = unit_of_work(database)
    async with begin() as (_, outbox):
        outbox.message("#ops", "hello")
    now = utcnow()
    async with database.reading() as session:
        [entry] = await queries.list_due(session, now, limit=10)
    assert entry.id is not None
    async with database.transaction() as session:
        await queries.defer(session, entry.id, attempts=entry.attempts, until=now + timedelta(seconds=5), now=now)
    async with database.reading() as session:
        assert await queries.list_due(session, now + timedelta(seconds=4), limit=10) == []
        [later] = await queries.list_due(session, now + timedelta(seconds=5), limit=10)
    assert (later.id, later.attempts, later.state) == (entry.id, 0, "pending")
