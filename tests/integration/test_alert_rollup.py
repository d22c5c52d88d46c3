"""Storm control for alert groups: past the per-minute limit, a channel's further groups join one rollup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.alerts.ingest import AlertIngestion
from bot.alerts.models import AlertIn, AlertStatus
from bot.config.schema import parse_config
from bot.outbox import Effect
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.tables import AlertGroup, AlertRollup, OutboxEntry

CONFIG = """
storm:
  max_alert_posts_per_minute: 2
alerts:
  routes:
    - match: {team: db}
      team: db
      channel: "#db-alerts"
"""
STARTED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def warning(name: str, *, status: AlertStatus = AlertStatus.FIRING, **labels: str) -> AlertIn:
    return AlertIn(
        source="alertmanager",
        fingerprint=f"{name}-{labels.get('instance', 'host-1')}",
        status=status,
        labels={"alertname": name, "severity": "warning", **labels},
        annotations={},
        summary=f"{name} is slow",
        severity="warning",
        starts_at=STARTED,
        ends_at=STARTED + timedelta(minutes=5) if status is AlertStatus.RESOLVED else None,
    )


class Storm:
    def __init__(self, database: Database, config: str = CONFIG) -> None:
        self.database = database
        self.ingestion = AlertIngestion(parse_config(config))

    async def deliver(self, *alerts: AlertIn) -> None:
        await self.ingestion.receive(unit_of_work(self.database), alerts)

    async def groups(self) -> dict[str, AlertGroup]:
        async with self.database.transaction() as session:
            groups = (await session.exec(select(AlertGroup))).all()
        return {group.group_key.removeprefix("alertname="): group for group in groups}

    async def entries(self, effect: Effect) -> list[OutboxEntry]:
        async with self.database.transaction() as session:
            query = select(OutboxEntry).where(OutboxEntry.kind == effect.value).order_by(col(OutboxEntry.id))
            return list((await session.exec(query)).all())

    async def rollups(self) -> list[AlertRollup]:
        async with self.database.transaction() as session:
            return list((await session.exec(select(AlertRollup).order_by(col(AlertRollup.id)))).all())

    async def outbox_done(self) -> None:
        """As if the worker had performed everything: the next change needs a new redraw."""
        async with self.database.transaction() as session:
            for entry in (await session.exec(select(OutboxEntry))).all():
                entry.state = "done"

    async def time_passes(self, delta: timedelta) -> None:
        """Move what storm control reads into the past, as if `delta` had gone by."""
        async with self.database.transaction() as session:
            for group in (await session.exec(select(AlertGroup))).all():
                group.posted_at = group.posted_at - delta if group.posted_at else None
            for rollup in (await session.exec(select(AlertRollup))).all():
                rollup.started_at -= delta
                rollup.last_joined_at -= delta


async def test_past_the_limit_further_groups_join_one_rollup_of_their_channel(database: Database) -> None:
    storm = Storm(database)
    for name in ("A", "B", "C", "D", "E"):
        await storm.deliver(warning(name))

    groups = await storm.groups()
    assert [name for name, group in sorted(groups.items()) if group.posted_at is not None] == ["A", "B"]
    [rollup] = await storm.rollups()
    assert {name for name, group in groups.items() if group.rollup_id == rollup.id} == {"C", "D", "E"}
    assert rollup.channel == "#alerts"
    own = await storm.entries(Effect.SYNC_ALERT_GROUP)
    assert [entry.payload for entry in own] == [
        {"group_id": groups["A"].id, "channel": "#alerts"},
        {"group_id": groups["B"].id, "channel": "#alerts"},
    ]
    [redraw] = await storm.entries(Effect.SYNC_ALERT_ROLLUP)  # one redraw covers the three joins
    assert (redraw.lane, redraw.payload) == (
        f"alert_rollup:{rollup.id}",
        {"rollup_id": rollup.id, "channel": "#alerts"},
    )
    assert redraw.not_before - redraw.created_at >= timedelta(seconds=4)


async def test_groups_of_one_delivery_count_toward_the_limit(database: Database) -> None:
    storm = Storm(database)
    await storm.deliver(*(warning(name) for name in ("A", "B", "C", "D")))

    groups = await storm.groups()
    assert sum(group.posted_at is not None for group in groups.values()) == 2
    assert sum(group.rollup_id is not None for group in groups.values()) == 2
    assert len(await storm.entries(Effect.SYNC_ALERT_GROUP)) == 2


async def test_each_alerts_channel_has_its_own_limit(database: Database) -> None:
    storm = Storm(database)
    for name in ("A", "B", "C"):
        await storm.deliver(warning(name))
    await storm.deliver(warning("Replication", team="db"))

    groups = await storm.groups()
    assert groups["C"].rollup_id is not None
    db = next(group for group in groups.values() if group.channel == "#db-alerts")
    assert (db.posted_at is not None, db.rollup_id) == (True, None)


async def test_a_change_to_a_rolled_up_group_redraws_the_rollup_never_a_message_of_its_own(database: Database) -> None:
    storm = Storm(database)
    for name in ("A", "B", "C"):
        await storm.deliver(warning(name))
    await storm.outbox_done()

    await storm.deliver(warning("C", status=AlertStatus.RESOLVED))
    await storm.deliver(warning("C", instance="host-2"))

    groups = await storm.groups()
    assert len(await storm.entries(Effect.SYNC_ALERT_GROUP)) == 2  # A's and B's, from before
    assert len([entry for entry in await storm.entries(Effect.SYNC_ALERT_ROLLUP) if entry.state == "pending"]) == 1
    assert groups["C"].posted_at is None


async def test_a_group_posted_before_the_storm_keeps_updating_its_own_message(database: Database) -> None:
    storm = Storm(database)
    for name in ("A", "B", "C"):
        await storm.deliver(warning(name))
    await storm.outbox_done()

    await storm.deliver(warning("A", instance="host-2"))

    [entry] = [entry for entry in await storm.entries(Effect.SYNC_ALERT_GROUP) if entry.state == "pending"]
    assert entry.payload["group_id"] == (await storm.groups())["A"].id
    assert [entry for entry in await storm.entries(Effect.SYNC_ALERT_ROLLUP) if entry.state == "pending"] == []


async def test_a_minute_later_groups_post_again_and_join_the_open_rollup_past_the_limit(database: Database) -> None:
    storm = Storm(database)
    for name in ("A", "B", "C"):
        await storm.deliver(warning(name))
    await storm.time_passes(timedelta(minutes=2))

    for name in ("D", "E", "F"):
        await storm.deliver(warning(name))

    groups = await storm.groups()
    assert (groups["D"].posted_at is not None, groups["E"].posted_at is not None) == (True, True)
    [rollup] = await storm.rollups()
    assert groups["F"].rollup_id == groups["C"].rollup_id == rollup.id


async def test_a_storm_after_ten_quiet_minutes_starts_a_new_rollup(database: Database) -> None:
    storm = Storm(database)
    for name in ("A", "B", "C"):
        await storm.deliver(warning(name))
    await storm.time_passes(timedelta(minutes=11))

    for name in ("D", "E", "F"):
        await storm.deliver(warning(name))

    groups = await storm.groups()
    first, second = await storm.rollups()
    assert (groups["C"].rollup_id, groups["F"].rollup_id) == (first.id, second.id)
    assert second.message_ts is None  # a new message, at the bottom of the channel
