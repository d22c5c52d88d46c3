"""`/incident declare --private`: a private channel, no announcement, and an incident that exists only for
the members of its channel and the admins.

Everyone else, through every door (commands, buttons, shortcuts, forms, App Home, web pages, metrics, the
SLO digest), gets what they would get for a number nobody declared, and changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.keys import scheduler_key
from storage.tables import FollowUp, Incident, OutboxEntry, Role, TimelineEntry
from tests.e2e.conftest import People, StartBot, Workspace

WEB_TOKEN = "web-token-0123456789abcdef"
SECRET = "Payroll data exposed"
NOWHERE = "INC-99"  # a number nobody declared: what a non-member is told must not differ from it

CONFIG = """
slos:
  - name: payroll-uptime
    service: payroll
    objective: 99%
    source: {type: incidents}
"""


def admins(people: People) -> str:
    return f"permissions:\n  admins: [{people.carol}]\n"


@dataclass
class Private:
    """INC-1, private, declared by alice, with a message, a follow-up, and a public INC-2 beside it."""

    workspace: Workspace
    channel: str
    message_ts: str

    @property
    def people(self) -> People:
        return self.workspace.people


@pytest.fixture
async def private(start_bot: StartBot) -> Private:
    workspace = await start_bot(admins, web_token=WEB_TOKEN)
    await workspace.command(f"declare --private {SECRET} sev1")
    await workspace.settle()
    [channel] = workspace.incident_channels()
    ts, _ = await workspace.slack.post_message(user=workspace.people.alice, channel=channel.id, text="Rotating keys")
    await workspace.command("followup add Rotate the payroll keys", channel=channel.id)
    await workspace.declare("Search is slow sev3", user=workspace.people.bob)
    await workspace.settle()
    return Private(workspace, channel.id, ts)


async def stored(workspace: Workspace) -> list[Any]:
    """Everything stored about INC-1, to show that a refusal changed nothing."""
    async with workspace.database.transaction() as session:
        rows: list[Any] = [(await session.exec(select(Incident).where(Incident.id == 1))).one().model_dump()]
        for table in (Role, TimelineEntry, FollowUp, OutboxEntry):
            found = await session.exec(select(table).where(col(table.incident_id) == 1))
            rows += sorted((row.model_dump() for row in found.all()), key=repr)
    return rows


def in_slack(private: Private) -> tuple[Any, ...]:
    """What Slack shows of INC-1: who is in its channel, its pins, topic, purpose and messages."""
    channel = private.workspace.slack.channels[private.channel]
    messages = [(m.ts, m.text, json.dumps(m.blocks)) for m in private.workspace.slack.messages(private.channel)]
    return sorted(channel.members), list(channel.pinned), channel.topic, channel.purpose, messages


def as_if_nowhere(answer: Any) -> Any:
    """The answer about the number nobody declared, as it would read about INC-1."""
    return json.loads(json.dumps(answer).replace(NOWHERE, "INC-1"))


COMMANDS = [
    "timeline {ref}",
    "{ref} timeline",
    "followup {ref} list",
    "followup {ref} add Exfiltrate the keys",
    "followup {ref} done 1",
    "note {ref} just looking",
    "summary {ref} Nothing to see here",
    "impact {ref} none",
    "service {ref} payroll",
    "assign {ref} scribe <@{bob}>",
    "assign {ref} commander <@{bob}>",
    "status {ref} monitoring",
    "status {ref} resolved",
    "severity {ref} sev4",
    "resolve {ref}",
    "postmortem {ref}",
    "close {ref}",
    "update {ref}",
]


async def test_every_command_naming_it_answers_a_non_member_as_for_a_number_never_declared(private: Private) -> None:
    workspace, bob = private.workspace, private.people.bob
    before, slack_before = await stored(workspace), in_slack(private)
    views_before = len(workspace.slack.open_views())

    for command in COMMANDS:
        about_it = await workspace.command(command.format(ref="INC-1", bob=bob), user=bob)
        about_nothing = await workspace.command(command.format(ref=NOWHERE, bob=bob), user=bob)
        assert about_it == as_if_nowhere(about_nothing), command
        assert about_it["text"].startswith("There is no incident INC-1."), command
    await workspace.settle()

    assert await stored(workspace) == before
    assert in_slack(private) == slack_before  # bob was not invited; summary, pin and purpose untouched
    assert bob not in workspace.slack.channels[private.channel].members
    assert len(workspace.slack.open_views()) == views_before  # no update form for it


async def test_lists_leave_it_out_for_a_non_member(private: Private) -> None:
    workspace, bob = private.workspace, private.people.bob

    listed = await workspace.command("list", user=bob)

    assert "INC-2" in listed["text"] and "Search is slow" in listed["text"]
    assert "INC-1" not in listed["text"] and "private" not in listed["text"] and "Payroll" not in listed["text"]
    assert "Open incidents* (1)" in listed["text"]


async def test_summary_buttons_answer_a_non_member_as_for_a_number_never_declared(private: Private) -> None:
    workspace, bob = private.workspace, private.people.bob
    [summary_ts] = workspace.slack.pins(private.channel)
    before, slack_before = await stored(workspace), in_slack(private)
    clicks: list[dict[str, str]] = [
        {"action_id": "incident_resolve", "value": "{n}"},
        {"action_id": "incident_status", "selected_option": "monitoring"},
        {"action_id": "incident_severity", "selected_option": "SEV4"},
    ]

    for click in clicks:
        answers = []
        for number in ("1", NOWHERE.removeprefix("INC-")):
            choice = {key: value.format(n=number) for key, value in click.items()}
            delivery = await workspace.slack.click_button(
                user=bob,
                channel=private.channel,
                message_ts=summary_ts,
                block_id=f"incident_actions_{number}",
                **choice,
            )
            assert delivery.status == 200
            await workspace.slack.drain()
            answers.append(workspace.slack.response_url_posts[-1])
        assert answers[0] == as_if_nowhere(answers[1]), click
        assert answers[0]["text"].startswith("There is no incident INC-1.")
    await workspace.settle()

    assert await stored(workspace) == before
    assert in_slack(private) == slack_before


async def test_forms_answer_a_non_member_as_for_a_number_never_declared(private: Private) -> None:
    workspace, people, slack = private.workspace, private.people, private.workspace.slack
    # alice, a member, opens the update form and the timeline picker; bob sends them
    await workspace.command("update", channel=private.channel)
    support = slack.add_channel("support", creator=people.bob, members=[people.alice, people.bob])
    ts, _ = await slack.post_message(user=people.bob, channel=support, text="Payslips look wrong")
    await slack.message_shortcut(user=people.alice, channel=support, message_ts=ts, callback_id="add_to_timeline")
    update_form, picker = slack.open_views()
    before, slack_before = await stored(workspace), in_slack(private)

    updated = await slack.submit_view(
        user=people.bob,
        view_id=update_form.id,
        values={
            "status": {"value": {"type": "static_select", "selected_option": {"value": "monitoring"}}},
            "severity": {"value": {"type": "static_select", "selected_option": {"value": "SEV1"}}},
            "note": {"value": {"type": "plain_text_input", "value": "hello"}},
        },
    )
    answers = []
    for number in ("1", NOWHERE.removeprefix("INC-")):
        chosen = {"incident": {"value": {"type": "static_select", "selected_option": {"value": number}}}}
        answers.append((await slack.submit_view(user=people.bob, view_id=picker.id, values=chosen)).json())
    await workspace.settle()

    assert answers[0] == as_if_nowhere(answers[1])
    assert answers[0]["errors"]["incident"].startswith("There is no incident INC-1.")
    assert updated.json() == {"response_action": "errors", "errors": {"status": answers[0]["errors"]["incident"]}}
    assert await stored(workspace) == before
    assert in_slack(private) == slack_before


async def test_message_shortcuts_and_reactions_offer_a_non_member_nothing(private: Private) -> None:
    workspace, people, slack = private.workspace, private.people, private.workspace.slack
    ts, _ = await slack.post_message(user=people.bob, channel=workspace.general, text="Is payroll late?")
    before, slack_before = await stored(workspace), in_slack(private)

    # the picker lists the public incident only
    await slack.message_shortcut(
        user=people.bob, channel=workspace.general, message_ts=ts, callback_id="add_to_timeline"
    )
    [picker] = slack.open_views()
    assert [option["value"] for option in picker.view["blocks"][0]["element"]["options"]] == ["2"]
    # a follow-up from one of its messages, as from a message of no incident channel
    answers = []
    for channel, message in ((private.channel, private.message_ts), (workspace.general, ts)):
        await slack.message_shortcut(user=people.bob, channel=channel, message_ts=message, callback_id="followup")
        await slack.drain()
        answers.append(slack.response_url_posts[-1])
    await slack.add_reaction(user=people.bob, channel=private.channel, ts=private.message_ts, name="white_check_mark")
    await workspace.settle()

    assert answers[0] == answers[1]
    assert answers[0]["text"] == "Follow-ups come from messages in an incident channel."
    assert await stored(workspace) == before
    assert in_slack(private) == slack_before


async def test_a_message_on_its_timeline_does_not_name_it_to_a_non_member(private: Private) -> None:
    workspace, people, slack = private.workspace, private.people, private.workspace.slack
    support = slack.add_channel("support", creator=people.bob, members=[people.alice, people.bob])
    ts, _ = await slack.post_message(user=people.bob, channel=support, text="Payslips look wrong")
    await slack.message_shortcut(user=people.alice, channel=support, message_ts=ts, callback_id="add_to_timeline")
    [picker] = slack.open_views()
    chosen = {"incident": {"value": {"type": "static_select", "selected_option": {"value": "1"}}}}
    assert not (await slack.submit_view(user=people.alice, view_id=picker.id, values=chosen)).json()
    await workspace.settle()

    await slack.message_shortcut(user=people.bob, channel=support, message_ts=ts, callback_id="add_to_timeline")
    await slack.drain()

    assert slack.response_url_posts[-1]["text"] == "That message is already on an incident's timeline."


async def test_app_home_shows_it_to_members_and_admins_only(private: Private) -> None:
    workspace, people = private.workspace, private.people
    await workspace.command(f"followup add Check the payslips <@{people.bob}>", channel=private.channel)
    await workspace.settle()

    homes = {}
    for user in (people.alice, people.bob, people.carol):
        assert (await workspace.slack.open_app_home(user=user)).status == 200
        await workspace.settle()
        homes[user] = json.dumps(workspace.slack.home_view(user))

    assert (
        "INC-1" not in homes[people.bob] and "Payroll" not in homes[people.bob] and "payslips" not in homes[people.bob]
    )
    assert "Open incidents (1)" in homes[people.bob] and "INC-2" in homes[people.bob]
    for user in (people.alice, people.carol):  # the declarer, a member; carol, an admin
        assert "Open incidents (2)" in homes[user] and SECRET in homes[user]


async def test_members_and_admins_see_it_from_anywhere(private: Private) -> None:
    workspace, people = private.workspace, private.people

    for user in (people.alice, people.carol):
        timeline = await workspace.command("timeline INC-1", user=user)
        listed = await workspace.command("list", user=user)
        assert timeline["text"].startswith("*INC-1 timeline*") and "Rotating keys" in timeline["text"]
        assert SECRET in listed["text"]


async def test_who_sees_it_follows_slacks_membership_not_the_bots_roles(private: Private) -> None:
    workspace, people, slack = private.workspace, private.people, private.workspace.slack
    await workspace.command(f"assign scribe <@{people.bob}>", channel=private.channel)  # the bot invites bob
    await workspace.settle()
    assert "Rotating keys" in (await workspace.command("timeline INC-1", user=people.bob))["text"]

    slack.channels[private.channel].members.discard(people.bob)  # removed in Slack; still scribe for the bot
    left = {"type": "member_left_channel", "user": people.bob, "channel": private.channel, "channel_type": "G"}
    assert (await slack.deliver("event", slack.event_envelope(left))).status == 200

    gone = await workspace.command("timeline INC-1", user=people.bob)
    assert gone["text"].startswith("There is no incident INC-1.")
    # someone a member adds in Slack sees it, with no bot role at all
    await slack.join_channel(user=people.carol, channel=private.channel)
    await slack.join_channel(user=people.bob, channel=private.channel)
    assert "Rotating keys" in (await workspace.command("timeline INC-1", user=people.bob))["text"]


async def test_probing_it_costs_at_most_one_membership_lookup_a_minute(private: Private) -> None:
    workspace = private.workspace
    for _ in range(20):
        await workspace.command("timeline INC-1", user=workspace.people.bob)

    assert len(workspace.slack.ok_calls_to("conversations.members")) == 1


async def test_web_pages_metrics_show_no_trace_of_it(private: Private) -> None:
    workspace = private.workspace
    auth = {"Authorization": f"Bearer {WEB_TOKEN}"}

    async def page(path: str) -> tuple[int, str]:
        async with workspace.client.get(path, headers=auth) as response:
            return response.status, await response.text()

    status, index = await page("/")
    assert status == 200 and "INC-2" in index and "INC-1" not in index and "Payroll" not in index
    for path in ("/incidents/{ref}", "/incidents/{ref}/postmortem"):
        about_it, about_nothing = await page(path.format(ref="INC-1")), await page(path.format(ref=NOWHERE))
        assert about_it == (404, about_nothing[1].replace(NOWHERE, "INC-1")), path
    async with workspace.client.get("/metrics") as response:
        metrics = await response.text()
    open_counts = [line for line in metrics.splitlines() if line.startswith("oncall_open_incidents{")]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in open_counts) == 1  # INC-2 only
    assert "SEV1" not in "".join(line for line in open_counts if not line.endswith(" 0.0"))


async def test_a_private_incident_gets_a_private_channel_and_no_announcement(workspace: Workspace) -> None:
    reply = await workspace.command(f"declare --private {SECRET} sev1")
    await workspace.settle()

    [channel] = workspace.incident_channels()
    assert channel.is_private
    assert channel.name == "inc-1-payroll-data-exposed"
    assert workspace.people.alice in channel.members
    assert workspace.posts(workspace.incidents) == []  # nothing in #incidents
    assert SECRET in reply["text"]  # only the declarer sees this reply
    async with workspace.database.transaction() as session:
        incident = (await session.exec(select(Incident))).one()
    assert incident.is_private and incident.title == SECRET and incident.severity == "SEV1"


async def test_the_slo_digest_counts_private_incidents_without_naming_them(start_bot: StartBot) -> None:
    workspace = await start_bot(CONFIG)
    await workspace.command(f"declare --private {SECRET} sev1")
    await workspace.settle()
    [channel] = workspace.incident_channels()
    await workspace.command("service payroll", channel=channel.id)
    await workspace.command("declare Payroll batch late sev2")
    await workspace.settle()
    public = next(c for c in workspace.incident_channels() if not c.is_private)
    await workspace.command("service payroll", channel=public.id)

    await workspace.command("digest", command="/slo", channel=workspace.general)
    await workspace.settle()

    [digest] = [m for m in workspace.slack.messages(workspace.general) if "SLO digest" in str(m.blocks)]
    assert "INC-2" in str(digest.blocks) and "• 1 private incident" in str(digest.blocks)
    assert "INC-1" not in str(digest.blocks) and "exposed" not in str(digest.blocks)
    assert channel.id not in str(digest.blocks)


async def test_a_follow_up_reminder_stays_in_its_channel_instead_of_a_direct_message(private: Private) -> None:
    workspace, bob = private.workspace, private.people.bob
    await workspace.command(f"followup add Check the payslips <@{bob}> due:2026-12-01", channel=private.channel)
    await workspace.command("resolve", channel=private.channel)
    await workspace.command("postmortem", channel=private.channel)  # no postmortem reminders in the way

    result = await workspace.server.app[scheduler_key].tick(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    await workspace.settle()

    assert result.sent == 1
    assert workspace.slack.channel_by_name(f"dm-{bob.lower()}") is None  # bob is no member: told nothing
    [reminder] = [text for text in workspace.posts(private.channel) if "is due today" in text]
    assert reminder.startswith(f"<@{bob}> :alarm_clock: Follow-up *#2* of *INC-1*")


async def test_a_retro_agenda_counts_private_incidents_without_naming_them(private: Private) -> None:
    workspace, alice = private.workspace, private.people.alice
    retros = workspace.slack.add_channel("retros", creator=alice, members=[alice, private.people.bob])
    await workspace.command("followup add Rotate the backups due:2020-01-01", channel=private.channel)
    await workspace.command("resolve", channel=private.channel)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    await workspace.command(f"schedule <#{retros}|retros> start={start:%Y-%m-%dT%H:%M:%S} cadence=1w", command="/retro")

    await workspace.server.app[scheduler_key].tick(start + timedelta(minutes=1))
    await workspace.settle()

    [agenda] = workspace.posts(retros)
    assert "INC-2 SEV3 Search is slow" in agenda and "• 1 private incident\n" in agenda
    assert "INC-1" not in agenda and "Payroll" not in agenda and "backups" not in agenda
