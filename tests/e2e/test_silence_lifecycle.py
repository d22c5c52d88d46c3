"""After a silence is made, against a real Alertmanager: the Expire button on the message's "silenced until" line,
the post in the channel before it ends (once, across replicas), and its alerts that stop firing resolved by
asking Alertmanager, which sends no "resolved" for a silenced alert.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.keys import alertmanager_client_key, begin_key, config_key, database_key, scheduler_key
from handlers.jobs.runner import Scheduler
from storage.tables import Alert, Incident, TimelineEntry
from tests.e2e.conftest import StartBot, Workspace
from tests.e2e.test_alert_silences import Setup, bot_and_alertmanager
from tests.e2e.test_real_alertmanager import alert
from tests.helpers import eventually

NOTE_EXPIRE = "alert_silence_note_expire"


def message(workspace: Workspace, channel: str, heading: str) -> Any:
    [found] = [m for m in workspace.slack.messages(channel) if m.text.startswith(heading)]
    return found


def expire_buttons(workspace: Workspace, channel: str, heading: str) -> list[str]:
    """The values of the Expire buttons on the message's "silenced until" lines."""
    blocks = message(workspace, channel, heading).blocks
    return [b["accessory"]["value"] for b in blocks if b.get("accessory", {}).get("action_id") == NOTE_EXPIRE]


async def press_expire(workspace: Workspace, user: str, channel: str, heading: str, value: str) -> str:
    before = len(workspace.slack.response_url_posts)
    delivery = await workspace.slack.click_button(
        user=user,
        channel=channel,
        message_ts=message(workspace, channel, heading).ts,
        action_id=NOTE_EXPIRE,
        value=value,
    )
    assert delivery.status == 200, delivery.text
    await workspace.settle()
    [answer] = workspace.slack.response_url_posts[before:]
    return str(answer["text"])


async def active_ids(setup: Setup) -> list[str]:
    return sorted(silence["id"] for silence in await setup.silences())


async def test_the_expire_button_on_the_silenced_line_expires_it_in_alertmanager_and_redraws_the_message(
    start_bot: StartBot, tmp_path: Path
) -> None:
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        workspace, people = setup.workspace, setup.workspace.people
        alerts_channel = workspace.slack.add_channel("alerts", creator=people.alice)
        await setup.alertmanager.post_alerts(
            [alert("DiskFull", instance="db-1"), alert("CpuHigh", severity="warning", instance="web-1")]
        )
        [channel] = await eventually(workspace.incident_channels, within=20)
        await eventually(lambda: [m for m in workspace.slack.messages(alerts_channel) if "CpuHigh" in m.text])
        await workspace.settle()
        await setup.alert_command("silence 1h", channel=channel.id)  # the incident's alerts: silence #1
        group_post = message(workspace, alerts_channel, "[FIRING:1] CpuHigh")
        [actions] = [b for b in group_post.blocks if str(b.get("block_id", "")).startswith("alert_actions:")]
        await workspace.slack.click_button(
            user=people.bob,
            channel=alerts_channel,
            message_ts=group_post.ts,
            action_id="alert_silence_1h",
            value=actions["elements"][0]["value"],
        )  # the group's alerts: silence #2
        await workspace.settle()
        assert len(await eventually(setup.silences)) == 2
        assert expire_buttons(workspace, channel.id, "Alerts of INC-1") == ["1"]
        assert expire_buttons(workspace, alerts_channel, "[FIRING:1] CpuHigh") == ["2"]
        [first, second] = await setup.stored()

        # A private incident's silence, pressed by someone outside its channel: as if there were no such silence.
        async with workspace.database.transaction() as session:
            incident = await session.get(Incident, 1)
            assert incident is not None
            incident.is_private = True  # no door makes an alert's incident private yet; the rule holds if one does
            session.add(incident)
        refused = await press_expire(workspace, people.carol, channel.id, "Alerts of INC-1", "1")
        assert refused == "There is no active silence `1`. See them with `/alert silences`."
        assert await active_ids(setup) == sorted([first.am_silence_id or "", second.am_silence_id or ""])
        assert expire_buttons(workspace, channel.id, "Alerts of INC-1") == ["1"]
        # Nor does `/alert silences` list it to them, or `/alert expire` reach it.
        listed = await workspace.command("silences", user=people.carol, command="/alert")
        assert "#1" not in json.dumps(listed) and "#2" in json.dumps(listed)
        typed = await workspace.command("expire 1", user=people.carol, command="/alert")
        assert typed["text"] == "There is no active silence `1`. See them with `/alert silences`."
        assert await active_ids(setup) == sorted([first.am_silence_id or "", second.am_silence_id or ""])

        await workspace.slack.join_channel(user=people.alice, channel=channel.id)
        await workspace.settle()
        answer = await press_expire(workspace, people.alice, channel.id, "Alerts of INC-1", "1")
        assert answer == "Silence #1 is expired; Alertmanager is told now."
        assert await eventually(lambda: _only(setup, second.am_silence_id))
        await eventually(lambda: expire_buttons(workspace, channel.id, "Alerts of INC-1") == [])
        assert "silenced until" not in json.dumps(message(workspace, channel.id, "Alerts of INC-1").blocks)

        answer = await press_expire(workspace, people.carol, alerts_channel, "[FIRING:1] CpuHigh", "2")
        assert answer == "Silence #2 is expired; Alertmanager is told now."
        assert await eventually(lambda: _only(setup, None))
        await eventually(lambda: expire_buttons(workspace, alerts_channel, "[FIRING:1] CpuHigh") == [])
        again = await press_expire(workspace, people.carol, alerts_channel, "[FIRING:1] CpuHigh", "2")
        assert again == "There is no active silence `2`. See them with `/alert silences`."


async def _only(setup: Setup, am_silence_id: str | None) -> bool:
    return await active_ids(setup) == ([am_silence_id] if am_silence_id else [])


async def incident_of(setup: Setup, critical: dict[str, Any]) -> Any:
    """The channel of the incident a critical alert sent through Alertmanager opens, once all is posted."""
    await setup.alertmanager.post_alerts([critical])
    [channel] = await eventually(setup.workspace.incident_channels, within=20)
    await setup.workspace.settle()
    return channel


def ending_posts(workspace: Workspace, channel: str) -> list[str]:
    return [text for text in workspace.posts(channel) if text.startswith(":hourglass_flowing_sand: Silence #")]


async def test_the_end_of_a_silence_is_told_once_in_its_channel_whichever_replica_ticks(
    start_bot: StartBot, tmp_path: Path
) -> None:
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        workspace = setup.workspace
        channel = await incident_of(setup, alert("DiskFull", instance="db-1"))
        await setup.alert_command("silence 1h", channel=channel.id)  # #1, the incident's
        await setup.alert_command("silence 1h alertname=Noisy -- deploy")  # #2, typed in #general
        await setup.alert_command("silence 10m alertname=Brief")  # #3, no longer than the warning: not told
        await workspace.settle()
        assert len(await eventually(lambda: _all_made(setup, 3))) == 3
        [incidents, typed, brief] = await setup.stored()

        app = workspace.server.app
        other = Scheduler(  # a second replica, leading for a moment too
            app[database_key], app[begin_key], app[config_key], alertmanager=app[alertmanager_client_key]
        )
        early = incidents.ends_at - timedelta(minutes=16)
        assert (await app[scheduler_key].tick_silences(early)).warned == []
        soon = typed.ends_at - timedelta(minutes=14)
        first, second = await asyncio.gather(app[scheduler_key].tick_silences(soon), other.tick_silences(soon))
        assert sorted(first.warned + second.warned) == [1, 2]
        assert (await other.tick_silences(soon + timedelta(minutes=1))).warned == []  # told already: not again
        await workspace.settle()

        [told] = ending_posts(workspace, channel.id)
        assert told.startswith(":hourglass_flowing_sand: Silence #1 of `alertname=DiskFull`, `instance=db-1`")
        assert "make another: `/alert silence 1h alertname=DiskFull instance=db-1 severity=critical`" in told
        [in_general] = ending_posts(workspace, workspace.general)
        assert in_general.startswith(
            f":hourglass_flowing_sand: Silence #2 of `alertname=Noisy` ends <!date^{int(typed.ends_at.timestamp())}^"
        )
        assert brief.warned_at is None and all(
            f"#{brief.id} " not in text for text in ending_posts(workspace, workspace.general)
        )
        assert "silenced until" in json.dumps(message(workspace, channel.id, "Alerts of INC-1").blocks)

        # Their end: the message is redrawn without the line and the timeline says so, once.
        over = max(incidents.ends_at, typed.ends_at) + timedelta(seconds=1)
        first, second = await asyncio.gather(app[scheduler_key].tick_silences(over), other.tick_silences(over))
        assert sorted(first.ended + second.ended) == [1, 2]  # #3, of ten minutes, ended at the ticks above
        assert (await other.tick_silences(over + timedelta(minutes=1))).ended == []
        await eventually(
            lambda: "silenced until" not in json.dumps(message(workspace, channel.id, "Alerts of INC-1").blocks)
        )
        async with workspace.database.transaction() as session:
            entries = (await session.exec(select(TimelineEntry.text).where(TimelineEntry.kind == "silence"))).all()
        assert [text for text in entries if text.endswith("ended")] == ["Silence #1 ended"]


async def _all_made(setup: Setup, count: int) -> list[Any]:
    made = await setup.silences()
    return made if len(made) == count else []


CONFIG_AUTO_RESOLVE = "alerts:\n  auto_resolve: true\nreminders:\n  check_every: 1s\n"


async def stored_alert(workspace: Workspace) -> Alert:
    async with workspace.database.transaction() as session:
        [found] = (await session.exec(select(Alert))).all()
    return found


async def test_a_silenced_alert_that_stops_firing_is_resolved_by_asking_alertmanager(
    start_bot: StartBot, tmp_path: Path
) -> None:
    async with bot_and_alertmanager(start_bot, tmp_path, CONFIG_AUTO_RESOLVE) as setup:
        workspace = setup.workspace
        disk = alert("DiskFull", instance="db-1")
        channel = await incident_of(setup, disk)
        await setup.alert_command("silence 1h", channel=channel.id)
        await workspace.settle()
        [made] = await eventually(setup.silences)

        async def suppressed() -> bool:
            return [a["status"]["silencedBy"] for a in await setup.api("alerts")] == [[made["id"]]]

        await eventually(suppressed, within=10)
        assert (await stored_alert(workspace)).fingerprint == (await setup.api("alerts"))[0]["fingerprint"]

        # Alertmanager down: its alerts cannot be known, so nothing is resolved.
        await setup.proxy.refuse()
        await setup.alertmanager.post_alerts([{**disk, "endsAt": datetime.now(UTC).isoformat()}])
        await eventually(lambda: _listed_none(setup))
        assert (await workspace.server.app[scheduler_key].tick_silences(datetime.now(UTC))).resolved == 0
        assert (await stored_alert(workspace)).status == "firing"

        # Back: the leader's own tick (every second here) finds it gone and resolves it through ingestion.
        await setup.proxy.accept()

        async def resolved() -> bool:
            return (await stored_alert(workspace)).status == "resolved"

        await eventually(resolved, within=20, interval=0.2)
        await workspace.settle()
        alerts_list = message(workspace, channel.id, "Alerts of INC-1")
        assert alerts_list.text == "Alerts of INC-1: 0 firing, 1 resolved"

        async def incident_resolved() -> bool:
            async with workspace.database.transaction() as session:
                incident = await session.get(Incident, 1)
            return incident is not None and incident.status == "resolved"

        await eventually(incident_resolved, within=10)


async def _listed_none(setup: Setup) -> bool:
    return bool(await setup.api("alerts") == [])
