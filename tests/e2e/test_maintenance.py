"""Maintenance windows: `/alert maintenance start|list|end`, a scheduled window started and ended by the leader's
tick (once with two replicas), and what a window does to the alerts it matches: held, listed in one message in
the alerts channel, no incident; handled as new when the window ends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot.keys import begin_key, config_key, database_key, scheduler_key
from handlers.jobs.runner import Scheduler
from storage.tables import Incident
from tests.e2e.alert_payloads import am_alert, am_group, resolved
from tests.e2e.conftest import StartBot, Workspace
from tests.e2e.test_alert_silences import bot_and_alertmanager
from tests.helpers import eventually


async def start(start_bot: StartBot, config: str | None = None) -> tuple[Workspace, str]:
    workspace = await start_bot(config)
    alerts = workspace.slack.add_channel("alerts", creator=workspace.people.alice)  # where windows are shown
    return workspace, alerts


async def alert_command(workspace: Workspace, text: str) -> str:
    return str((await workspace.command(text, command="/alert")).get("text", ""))


async def fire(workspace: Workspace, name: str, **labels: str) -> list[str]:
    alert = am_alert(name)
    alert["labels"].update(labels)
    response = await workspace.webhook("alertmanager", am_group([alert]))
    assert response.status == 200, await response.text()
    return list((await response.json())["opened"])


async def incident_titles(workspace: Workspace) -> list[str]:
    async with workspace.database.transaction() as session:
        return [incident.title for incident in (await session.exec(select(Incident))).all()]


async def titled(workspace: Workspace, word: str) -> list[str]:
    return [title for title in await incident_titles(workspace) if word in title]


def window_messages(workspace: Workspace, channel: str) -> list[str]:
    return [text for text in workspace.posts(channel) if "alert(s) held" in text]


async def test_an_ad_hoc_window_holds_matching_alerts_until_it_is_ended(start_bot: StartBot) -> None:
    workspace, alerts = await start(start_bot)
    before = am_alert("CheckoutWarn", severity="info", instance="web-9")  # shown before the window: stays so
    before["labels"]["service"] = "checkout"
    assert (await workspace.webhook("alertmanager", am_group([before]))).status == 200
    said = await alert_command(workspace, "maintenance start 1h service=checkout -- moving the database")
    assert said.startswith("Maintenance window #1 (adhoc-")
    assert "`service=checkout`" in said and "matching alerts are held, nobody is paged" in said

    assert await fire(workspace, "CheckoutDown", service="checkout") == []  # critical, but held
    assert await fire(workspace, "CheckoutSlow", service="checkout", instance="web-2") == []
    assert await fire(workspace, "DiskFull", service="storage") == ["INC-1"]  # not matched: as always
    flaky = am_alert("CheckoutFlaky", instance="web-3")
    flaky["labels"]["service"] = "checkout"
    for body in (flaky, resolved(flaky), resolved(before)):  # held, then resolved while held: only its line says so
        assert (await workspace.webhook("alertmanager", am_group([body]))).status == 200
    await workspace.settle()
    [message] = await eventually(lambda: window_messages(workspace, alerts))
    assert message.startswith(":construction: Maintenance window #1")
    assert "3 alert(s) held" in message and "CheckoutDown" in message and "CheckoutSlow" in message
    assert "CheckoutFlaky (" in message and "resolved" in message
    assert [text for text in workspace.posts(alerts) if "CheckoutFlaky" in text] == [message]
    assert "CheckoutWarn" not in message  # it resolved in its own group message, as without a window
    assert [text for text in workspace.posts(alerts) if "CheckoutWarn" in text]
    assert any("started by" in text and "moving the database" in text for text in workspace.posts(alerts))
    assert [title for title in await incident_titles(workspace) if "Checkout" in title] == []

    listing = await alert_command(workspace, "maintenance list")
    assert listing.startswith("*#1* adhoc-") and "3 alert(s) held" in listing

    assert (await alert_command(workspace, "maintenance end 1")).startswith("Maintenance window #1 is ended")
    await workspace.settle()
    titles = await eventually(lambda: titled(workspace, "Checkout"))
    assert titles  # the held alerts, still firing, open their incident
    assert any("ended by" in text and "2 held alert(s)" in text for text in workspace.posts(alerts))
    assert await titled(workspace, "CheckoutFlaky") == []  # it had resolved: nothing to handle
    assert await alert_command(workspace, "maintenance list") == "No maintenance window is active."
    assert "There is no active maintenance window `1`" in await alert_command(workspace, "maintenance end 1")


async def test_bad_maintenance_commands_are_one_line_with_the_usage(start_bot: StartBot) -> None:
    workspace, _ = await start(start_bot)
    for text, problem in [
        ("maintenance frobnicate", "`frobnicate` is not something maintenance windows do"),
        ("maintenance start soon service=x", "soon"),
        ("maintenance start 1h", "Say which alerts the window holds"),
        ("maintenance start 40d service=x", "at most 30 days"),
        ("maintenance start 1h service", "`service` is not a matcher"),
        ("maintenance end", "Name the window to end"),
    ]:
        said = await alert_command(workspace, text)
        first, *rest = said.splitlines()
        assert problem in first, (text, said)
        assert all(line.startswith("Usage:") for line in rest), (text, said)
    assert await alert_command(workspace, "maintenance list") == "No maintenance window is active."


async def test_a_scheduled_window_starts_once_with_two_replicas_and_ends_on_its_own(start_bot: StartBot) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    begun = now - timedelta(minutes=5)  # an occurrence that covers now, so alerts arriving now are held
    config = f"""
maintenance:
  - name: db-upgrade
    cron: "{begun.minute} {begun.hour} * * *"
    duration: 1h
    matchers: ["service=db"]
    reason: weekly upgrade
"""
    workspace, alerts = await start(start_bot, config)
    app = workspace.server.app
    other = Scheduler(app[database_key], app[begin_key], app[config_key])  # a second replica, a moment leader too
    first, second = await asyncio.gather(
        app[scheduler_key].tick_maintenance(now), other.tick_maintenance(now + timedelta(seconds=1))
    )
    assert len(first.started + second.started) == 1
    assert (await app[scheduler_key].tick_maintenance(now + timedelta(minutes=1))).started == []  # not again
    assert await fire(workspace, "DbDown", service="db") == []
    await workspace.settle()
    [message] = await eventually(lambda: window_messages(workspace, alerts))
    assert "(db-upgrade)" in message and "DbDown" in message
    assert [text for text in workspace.posts(alerts) if "started" in text and "weekly upgrade" in text]

    ended = await other.tick_maintenance(begun + timedelta(hours=1, seconds=1))
    assert ended.ended == [*first.started, *second.started] and ended.started == []
    await workspace.settle()
    assert await eventually(lambda: titled(workspace, "DbDown"))
    assert any("(its time is up)" in text for text in workspace.posts(alerts))
    assert (await app[scheduler_key].tick_maintenance(begun + timedelta(hours=1, minutes=1))).ended == []


async def test_a_window_with_silence_mirrors_it_in_the_real_alertmanager_until_ended(
    start_bot: StartBot, tmp_path: Path
) -> None:
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        workspace = setup.workspace
        workspace.slack.add_channel("alerts", creator=workspace.people.alice)
        said = await alert_command(workspace, "maintenance start 2h env=staging --silence -- load test")
        assert said.startswith("Maintenance window #1") and said.endswith("An Alertmanager silence mirrors it.")
        await workspace.settle()
        [made] = await eventually(setup.silences)
        assert made["matchers"] == [{"name": "env", "value": "staging", "isRegex": False, "isEqual": True}]
        assert made["comment"].startswith("Maintenance window #1 (adhoc-")
        assert "load test" in made["comment"]

        assert (await alert_command(workspace, "maintenance end 1")).startswith("Maintenance window #1 is ended")
        await workspace.settle()

        async def none_active() -> bool:
            return not await setup.silences()

        assert await eventually(none_active)
