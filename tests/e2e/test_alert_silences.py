"""`/alert silence|silences|expire` against a real Alertmanager: the silence exists there, suppresses the alert,
and is expired there; an unreachable Alertmanager gets a clear answer and the silence is made when it is back.

A TCP proxy stands between the bot and Alertmanager: the bot's config needs the address before Alertmanager
(which needs the bot's webhook address) starts, and cutting the proxy plays an Alertmanager that is down.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from sqlmodel import col, select

from storage.enums import SilenceState
from storage.tables import Silence
from tests.e2e.conftest import WEBHOOK_TOKEN, StartBot, Workspace
from tests.e2e.test_real_alertmanager import alert
from tests.helpers import eventually
from tests.peers.alertmanager import AlertmanagerPeer, running_alertmanager
from tests.peers.tcp_proxy import TcpProxy

EQUAL = {"isRegex": False, "isEqual": True}


@dataclass
class Setup:
    workspace: Workspace
    alertmanager: AlertmanagerPeer
    proxy: TcpProxy

    async def api(self, path: str) -> Any:
        """Alertmanager's own answer, asked directly (not through the proxy the bot uses)."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.alertmanager.base_url}/api/v2/{path}") as response,
        ):
            response.raise_for_status()
            return await response.json()

    async def silences(self) -> list[dict[str, Any]]:
        return [s for s in await self.api("silences") if s["status"]["state"] == "active"]

    async def alert_command(self, text: str, *, channel: str | None = None) -> str:
        answer = await self.workspace.command(text, channel=channel, command="/alert")
        return str(answer.get("text", ""))

    async def stored(self) -> list[Silence]:
        async with self.workspace.database.transaction() as session:
            return list((await session.exec(select(Silence).order_by(col(Silence.id)))).all())


@asynccontextmanager
async def bot_and_alertmanager(start_bot: StartBot, tmp_path: Path, config: str = "") -> AsyncIterator[Setup]:
    """The bot (with `config` added to its ONCALL_CONFIG) and a real Alertmanager it makes silences in."""
    async with TcpProxy("127.0.0.1", 0) as proxy:
        workspace = await start_bot(f"alertmanagers:\n  - name: main\n    url: http://127.0.0.1:{proxy.port}\n{config}")
        url = str(workspace.server.make_url("/webhooks/alertmanager"))
        async with running_alertmanager(url, bearer_token=WEBHOOK_TOKEN, tmp_path=tmp_path) as alertmanager:
            proxy.target_port = int(urlsplit(alertmanager.base_url).port or 0)
            yield Setup(workspace, alertmanager, proxy)


async def test_a_silence_from_an_incident_channel_suppresses_its_alert_and_expires_from_slack(
    start_bot: StartBot, tmp_path: Path
) -> None:
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        await setup.alertmanager.post_alerts([alert("DiskFull", instance="db-1")])
        [channel] = await eventually(setup.workspace.incident_channels, within=20)
        await setup.workspace.settle()

        answer = await setup.alert_command("silence 1h -- disk being replaced", channel=channel.id)
        assert answer.startswith("Silence #1 of `alertname=DiskFull`, `instance=db-1`, `severity=critical` until")
        assert answer.endswith("It is being made in Alertmanager.")
        await setup.workspace.settle()

        [made] = await eventually(setup.silences)
        assert sorted(made["matchers"], key=lambda m: m["name"]) == [
            {"name": "alertname", "value": "DiskFull", **EQUAL},
            {"name": "instance", "value": "db-1", **EQUAL},
            {"name": "severity", "value": "critical", **EQUAL},
        ]
        assert made["createdBy"] == "alice"  # the person's Slack display name
        assert made["comment"] == "disk being replaced [oncall-bot silence #1]"
        [stored] = await setup.stored()
        assert stored.am_silence_id == made["id"] and stored.state == SilenceState.ACTIVE
        assert stored.incident_id == 1
        assert abs((_parse(made["endsAt"]) - stored.ends_at).total_seconds()) < 1

        async def suppressed() -> bool:
            [firing] = await setup.api("alerts")
            return bool(firing["status"]["state"] == "suppressed" and firing["status"]["silencedBy"] == [made["id"]])

        await eventually(suppressed, within=10)

        listed = await setup.workspace.command("silences", command="/alert")
        [block] = listed["blocks"]
        alice = setup.workspace.people.alice
        assert block["text"]["text"].startswith(
            f"*#1* `alertname=DiskFull`, `instance=db-1`, `severity=critical` — by <@{alice}>, until <!date^"
        )
        assert block["accessory"]["value"] == "1"

        assert await setup.alert_command("expire 1") == "Silence #1 is expired; Alertmanager is told now."
        await setup.workspace.settle()
        assert await eventually(lambda: _no_active(setup))
        assert (await setup.alert_command("silences")) == "No silence made from Slack is active."
        assert await setup.alert_command("expire 1") == (
            "There is no active silence `1`. See them with `/alert silences`."
        )


async def _no_active(setup: Setup) -> bool:
    return not await setup.silences()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_matchers_typed_in_the_command_reach_alertmanager_as_written(start_bot: StartBot, tmp_path: Path) -> None:
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        answer = await setup.alert_command("silence 2h30m env=prod job=~api-.* team!=db")
        assert answer.startswith("Silence #1 of `env=prod`, `job=~api-.*`, `team!=db` until")
        await setup.workspace.settle()
        [made] = await eventually(setup.silences)
        assert sorted(made["matchers"], key=lambda m: m["name"]) == [
            {"name": "env", "value": "prod", **EQUAL},
            {"name": "job", "value": "api-.*", "isRegex": True, "isEqual": True},
            {"name": "team", "value": "db", "isRegex": False, "isEqual": False},
        ]
        assert made["comment"] == "[oncall-bot silence #1]"
        [stored] = await setup.stored()
        assert (stored.ends_at - stored.starts_at).total_seconds() == 9000


async def test_an_unreachable_alertmanager_is_said_and_the_silence_made_when_it_is_back(
    start_bot: StartBot, tmp_path: Path
) -> None:
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        await setup.proxy.refuse()
        answer = await setup.alert_command("silence 30m alertname=Noisy -- deploy")
        assert answer.endswith("Alertmanager is unreachable; the silence will be made when it answers.")
        [stored] = await setup.stored()
        assert stored.state == SilenceState.PENDING and stored.am_silence_id is None
        assert await setup.silences() == []  # nothing half-made there

        await setup.proxy.accept()
        [made] = await eventually(setup.silences, within=30, interval=0.2)
        assert made["matchers"] == [{"name": "alertname", "value": "Noisy", **EQUAL}]
        await setup.workspace.settle()
        [stored] = await setup.stored()
        assert stored.state == SilenceState.ACTIVE and stored.am_silence_id == made["id"]


async def test_a_retried_creation_adopts_the_silence_it_already_made(start_bot: StartBot, tmp_path: Path) -> None:
    """Alertmanager made the silence but its answer was lost: the retry finds it by its comment, makes no second."""
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        body = {
            "matchers": [{"name": "alertname", "value": "Noisy", **EQUAL}],
            "startsAt": "2026-01-01T00:00:00Z",
            "endsAt": "2099-01-01T00:00:00Z",
            "createdBy": "alice",
            "comment": "[oncall-bot silence #1]",
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{setup.alertmanager.base_url}/api/v2/silences", json=body) as response,
        ):
            earlier = (await response.json())["silenceID"]
        await setup.alert_command("silence 30m alertname=Noisy")
        await setup.workspace.settle()
        [made] = await setup.silences()
        assert made["id"] == earlier
        [stored] = await setup.stored()
        assert stored.am_silence_id == earlier


async def test_refusals_are_one_line(start_bot: StartBot, tmp_path: Path) -> None:
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        assert "Say how long the silence lasts" in await setup.alert_command("silence")
        assert "soon" in await setup.alert_command("silence soon env=prod")
        assert "is not a matcher" in await setup.alert_command("silence 1h prod")
        assert "is not a regular expression" in await setup.alert_command("silence 1h job=~(")
        assert "at most 30 days" in await setup.alert_command("silence 31d env=prod")
        assert "or give the command in an incident's channel" in await setup.alert_command("silence 1h")
        assert await setup.stored() == []


def buttons_of(workspace: Workspace, channel: str, heading: str) -> tuple[str, dict[str, str]]:
    """The ts of the message starting with `heading`, and its alert buttons by action id (their values)."""
    [message] = [m for m in workspace.slack.messages(channel) if m.text.startswith(heading)]
    [actions] = [b for b in message.blocks if str(b.get("block_id", "")).startswith("alert_actions:")]
    return message.ts, {button["action_id"]: button["value"] for button in actions["elements"]}


async def test_the_silence_1h_button_silences_the_incidents_alerts_and_the_list_says_so(
    start_bot: StartBot, tmp_path: Path
) -> None:
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        workspace = setup.workspace
        await setup.alertmanager.post_alerts([alert("DiskFull", instance="db-1")])
        [channel] = await eventually(workspace.incident_channels, within=20)
        await workspace.settle()
        ts, buttons = buttons_of(workspace, channel.id, "Alerts of INC-1")
        assert buttons == {
            "alert_acknowledge": "incident:1",
            "alert_silence_1h": "incident:1",
            "alert_silence_form": "incident:1",
        }

        delivery = await workspace.slack.click_button(
            user=workspace.people.bob,
            channel=channel.id,
            message_ts=ts,
            action_id="alert_silence_1h",
            value="incident:1",
        )
        assert delivery.status == 200
        await workspace.settle()
        [made] = await eventually(setup.silences)
        assert made["createdBy"] == "bob"
        assert sorted(m["name"] for m in made["matchers"]) == ["alertname", "instance", "severity"]
        [stored] = await setup.stored()
        assert abs((stored.ends_at - stored.starts_at).total_seconds() - 3600) < 1
        assert abs((_parse(made["endsAt"]) - stored.ends_at).total_seconds()) < 1
        [message] = [m for m in workspace.slack.messages(channel.id) if m.text.startswith("Alerts of INC-1")]
        assert f"silenced until <!date^{int(stored.ends_at.timestamp())}" in json.dumps(message.blocks)
        assert f"by <@{workspace.people.bob}>" in json.dumps(message.blocks)

        await workspace.slack.click_button(
            user=workspace.people.alice,
            channel=channel.id,
            message_ts=ts,
            action_id="alert_acknowledge",
            value="incident:1",
        )
        await workspace.settle()
        assert any("acknowledged" in text.lower() for text in workspace.posts(channel.id))


async def test_the_silence_form_opens_with_the_groups_labels_and_makes_what_was_edited(
    start_bot: StartBot, tmp_path: Path
) -> None:
    """A group that opens no incident (a warning) has its own post in the alerts channel, with the buttons."""
    async with bot_and_alertmanager(start_bot, tmp_path) as setup:
        workspace = setup.workspace
        alerts_channel = workspace.slack.add_channel("alerts", creator=workspace.people.alice)
        await setup.alertmanager.post_alerts([alert("CpuHigh", severity="warning", instance="web-1")])

        def posted() -> list[Any]:
            return [m for m in workspace.slack.messages(alerts_channel) if m.text.startswith("[FIRING:1] CpuHigh")]

        await eventually(posted, within=20)
        await workspace.settle()
        ts, buttons = buttons_of(workspace, alerts_channel, "[FIRING:1] CpuHigh")
        scope = buttons["alert_silence_form"]
        assert scope.startswith("group:")
        await workspace.slack.click_button(
            user=workspace.people.alice,
            channel=alerts_channel,
            message_ts=ts,
            action_id="alert_silence_form",
            value=scope,
        )
        [view] = workspace.slack.open_views()
        matchers = view.view["blocks"][0]["element"]["initial_value"]
        assert matchers.splitlines() == ["alertname=CpuHigh", "instance=web-1", "severity=warning"]

        values = {
            "matchers": {"value": {"type": "plain_text_input", "value": "alertname=CpuHigh\ninstance=~web-.*"}},
            "duration": {"value": {"type": "plain_text_input", "value": "45m"}},
            "comment": {"value": {"type": "plain_text_input", "value": "load test"}},
        }
        delivery = await workspace.slack.submit_view(user=workspace.people.alice, view_id=view.id, values=values)
        assert delivery.status == 200 and not delivery.json(), delivery.text
        await workspace.settle()
        [made] = await eventually(setup.silences)
        assert sorted(made["matchers"], key=lambda m: m["name"]) == [
            {"name": "alertname", "value": "CpuHigh", **EQUAL},
            {"name": "instance", "value": "web-.*", "isRegex": True, "isEqual": True},
        ]
        assert made["comment"] == "load test [oncall-bot silence #1]"
        [stored] = await setup.stored()
        assert stored.group_id is not None and (stored.ends_at - stored.starts_at).total_seconds() == 2700

        wrong = {**values, "matchers": {"value": {"type": "plain_text_input", "value": "nonsense"}}}
        refused = await workspace.slack.submit_view(user=workspace.people.alice, view_id=view.id, values=wrong)
        assert refused.json()["response_action"] == "errors"
        assert "is not a matcher" in refused.json()["errors"]["matchers"]

        await workspace.slack.click_button(
            user=workspace.people.bob,
            channel=alerts_channel,
            message_ts=ts,
            action_id="alert_acknowledge",
            value=scope,
        )
        await workspace.settle()
        [message] = posted()
        assert f"acknowledged by <@{workspace.people.bob}>" in json.dumps(message.blocks)
