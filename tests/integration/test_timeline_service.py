"""The timeline survives Slack's out-of-order and repeated events, on both databases."""

from __future__ import annotations

from bot.incidents import lifecycle
from bot.incidents.models import Severity
from bot.timeline import service as timeline
from bot.timeline.activity import HighlightChanged, MessageDeleted, MessageEdited, MessagePosted
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.queries import incidents as incident_queries
from storage.queries import timeline as timeline_queries

CHANNEL = "C0INCIDENT"


async def _incident_with_channel(database: Database) -> int:
    begin = unit_of_work(database)
    async with begin() as (session, outbox):
        snapshot, _ = await lifecycle.declare(
            session=session, outbox=outbox, title="Payments down", severity=Severity.SEV2, by="U1"
        )
        incident = await incident_queries.get_incident(session, snapshot.number)
        assert incident is not None
        incident.channel_id = CHANNEL
    return snapshot.number


async def _messages(database: Database, number: int) -> list[tuple[str, str, bool]]:
    async with database.transaction() as session:
        entries = await timeline_queries.list_entries(session, number)
    return [(entry.slack_ts or "", entry.text, entry.is_edited) for entry in entries if entry.kind == "message"]


async def _record(database: Database, activity: object, event_id: str | None = None) -> None:
    async with database.transaction() as session:
        await timeline.record(session=session, activity=activity, event_id=event_id)  # type: ignore[arg-type]


async def test_an_edit_that_arrives_before_its_message_keeps_the_edited_text(database: Database) -> None:
    number = await _incident_with_channel(database)
    await _record(database, MessageEdited(CHANNEL, "1700000100.000200", "U2", "db failover done (edited)"))
    await _record(database, MessagePosted(CHANNEL, "1700000100.000200", "U2", "db failover"))
    assert await _messages(database, number) == [("1700000100.000200", "db failover done (edited)", True)]


async def test_a_delete_that_arrives_before_its_message_keeps_it_out(database: Database) -> None:
    number = await _incident_with_channel(database)
    await _record(database, MessageDeleted(CHANNEL, "1700000200.000100"))
    await _record(database, MessagePosted(CHANNEL, "1700000200.000100", "U2", "wrong channel, sorry"))
    await _record(database, MessagePosted(CHANNEL, "1700000201.000100", "U2", "checking the LB"))
    assert await _messages(database, number) == [("1700000201.000100", "checking the LB", False)]


async def test_a_retried_event_is_recorded_once(database: Database) -> None:
    await _incident_with_channel(database)
    for _ in range(3):
        await _record(database, HighlightChanged(CHANNEL, "1700000300.000100", "U3", True, False), event_id="Ev1")
    await _record(database, MessagePosted(CHANNEL, "1700000300.000100", "U2", "root cause: expired cert"), "Ev2")
    async with database.transaction() as session:
        entry = await timeline_queries.get_entry_by_ts(session, CHANNEL, "1700000300.000100")
    assert entry is not None and entry.highlight_reactions == 1 and entry.highlighted


async def test_entries_are_ordered_by_the_slack_ts_not_by_arrival(database: Database) -> None:
    number = await _incident_with_channel(database)
    await _record(database, MessagePosted(CHANNEL, "1700000500.000100", "U2", "second"))
    await _record(database, MessagePosted(CHANNEL, "1700000400.000100", "U2", "first"))
    assert [text for _, text, _ in await _messages(database, number)] == ["first", "second"]


async def test_removing_one_of_two_pushpins_keeps_the_key_event(database: Database) -> None:
    await _incident_with_channel(database)
    ts = "1700000600.000100"
    await _record(database, MessagePosted(CHANNEL, ts, "U2", "rolled back"))
    await _record(database, HighlightChanged(CHANNEL, ts, "U3", True, False), "Ev10")
    await _record(database, HighlightChanged(CHANNEL, ts, "U4", True, False), "Ev11")
    await _record(database, HighlightChanged(CHANNEL, ts, "U3", False, False), "Ev12")
    async with database.transaction() as session:
        entry = await timeline_queries.get_entry_by_ts(session, CHANNEL, ts)
    assert entry is not None and entry.highlighted
    await _record(database, HighlightChanged(CHANNEL, ts, "U4", False, False), "Ev13")
    async with database.transaction() as session:
        entry = await timeline_queries.get_entry_by_ts(session, CHANNEL, ts)
    assert entry is not None and not entry.highlighted


async def test_messages_in_other_channels_are_ignored(database: Database) -> None:
    number = await _incident_with_channel(database)
    await _record(database, MessagePosted("C0RANDOM", "1700000700.000100", "U2", "lunch?"), "Ev20")
    assert await _messages(database, number) == []
