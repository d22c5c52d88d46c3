"""Postmortems from a conversation held in the emulated Slack: Markdown upload, HTML, CLI, follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.cli.main import main
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.conftest import StartBot, Workspace


async def conversation(workspace: Workspace) -> str:
    """An incident people worked in: the channel id. Message texts arrive as Slack sends them (escaped)."""
    slack, people = workspace.slack, workspace.people
    channel = await workspace.declare("Checkout is down sev2")
    for user in (people.bob, people.carol):
        await slack.join_channel(user=user, channel=channel)
    first, _ = await slack.post_message(user=people.bob, channel=channel, text="Error rate is 38%")
    await slack.edit_message(user=people.bob, channel=channel, ts=first, text="Error rate is 41%")
    await slack.post_message(user=people.carol, channel=channel, text="Only EU fails", thread_ts=first)
    deploy, _ = await slack.post_message(user=people.carol, channel=channel, text="Release v412 went out at 14:00")
    await slack.add_reaction(user=people.alice, channel=channel, ts=deploy, name="pushpin")
    oops, _ = await slack.post_message(user=people.carol, channel=channel, text="lunch at 1?")
    await slack.delete_message(user=people.carol, channel=channel, ts=oops)
    await slack.post_message(
        user=people.bob,
        channel=channel,
        text="&lt;script&gt;alert(1)&lt;/script&gt; <!channel> *bold* [x](http://evil.example) # heading",
    )
    await workspace.command(f"assign commander <@{people.bob}>", channel=channel)
    await workspace.command("status identified Bad release", user=people.bob, channel=channel)
    await workspace.command("note Root cause: v412 renamed a field", user=people.bob, channel=channel)
    await workspace.command("resolve Error rate normal", user=people.bob, channel=channel)
    await workspace.settle()
    return channel


def uploaded(workspace: Workspace, channel: str) -> list[str]:
    files = [file for file in workspace.slack.files.values() if channel in file.channels]
    return [file.content.decode() for file in files]


async def test_postmortem_is_uploaded_as_markdown_built_from_the_conversation(workspace: Workspace) -> None:
    channel = await conversation(workspace)
    reply = await workspace.command("postmortem", user=workspace.people.bob, channel=channel)
    assert "marked it drafted" in reply["text"]
    await workspace.settle()

    [document] = uploaded(workspace, channel)
    assert document.startswith("# Postmortem: INC-1 Checkout is down\n")
    assert "| Severity | SEV2 |" in document
    assert "| Commander | bob |" in document
    assert "- v412 renamed a field" in document.split("## Root cause")[1]
    key_events = document.split("## Key events")[1].split("## ")[0]
    assert "**carol**: Release v412 went out at 14:00" in key_events
    timeline = document.split("## Timeline")[1]
    assert "**bob**: Error rate is 41% _(edited)_" in timeline
    assert "38%" not in timeline
    assert "lunch" not in document
    # The thread reply sits under its message.
    assert timeline.index("Error rate is 41%") < timeline.index("\n  - ") < timeline.index("Only EU fails")
    assert "**carol**: Only EU fails" in timeline.split("\n  - ")[1]
    # Hostile text is shown, never executed or interpreted.
    assert "<script>" not in document and "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in document
    assert "@channel \\*bold\\* \\[x\\]\\(http://evil.example\\) \\# heading" in document
    assert "<!channel>" not in document
    # The bot's own channel posts are not repeated as messages; its records appear once each.
    assert "This channel is for" not in document
    assert timeline.count("investigating → identified") == 1
    assert "## Participants" in document and "- carol: 2 messages" in document


async def test_regenerating_never_duplicates_and_drafts_once(workspace: Workspace) -> None:
    channel = await conversation(workspace)
    await workspace.command("postmortem", channel=channel)
    await workspace.settle()
    lookups = len(workspace.slack.ok_calls_to("users.info"))
    assert lookups >= 3  # alice, bob and carol, once each
    again = await workspace.command("postmortem", channel=channel)
    assert "drafted" not in again["text"]
    await workspace.settle()

    first, second = uploaded(workspace, channel)
    strip = lambda text: [line for line in text.splitlines() if not line.startswith("_Generated")]  # noqa: E731
    assert strip(first) == strip(second)
    assert second.count("Postmortem drafted") == 1
    assert len(workspace.slack.ok_calls_to("users.info")) == lookups  # names came from the cache


async def test_close_needs_a_resolved_incident_with_a_drafted_postmortem(workspace: Workspace) -> None:
    channel = await workspace.declare("Search is slow sev3")
    assert "resolve it first" in (await workspace.command("close", channel=channel))["text"]
    await workspace.command("postmortem", channel=channel)  # while open: rendered, not drafted
    await workspace.command("resolve", channel=channel)
    assert "has no postmortem yet" in (await workspace.command("close", channel=channel))["text"]
    await workspace.command("postmortem", channel=channel)
    assert (await workspace.command("close", channel=channel))["text"] == "INC-1 is closed. :lock:"
    await workspace.settle()
    assert any("closed *INC-1*" in text for text in workspace.posts(channel))


async def test_follow_ups_from_the_command_a_reaction_and_the_shortcut(workspace: Workspace) -> None:
    slack, people = workspace.slack, workspace.people
    channel = await workspace.declare("Queue backlog sev3")
    added = await workspace.command(
        f"followup add Add queue depth alert <@{people.bob}> due:2026-12-01", channel=channel
    )
    assert added["text"] == "Follow-up #1 added to INC-1."
    bad = await workspace.command("followup add Something due:tomorrow", channel=channel)
    assert "is not a date like 2026-12-01" in bad["text"]

    idea, _ = await slack.post_message(user=people.carol, channel=channel, text="We need a runbook for this")
    await slack.add_reaction(user=people.alice, channel=channel, ts=idea, name="white_check_mark")
    await slack.add_reaction(user=people.bob, channel=channel, ts=idea, name="white_check_mark")  # still one
    other, _ = await slack.post_message(user=people.bob, channel=channel, text="Raise the consumer limit")
    shortcut = await slack.message_shortcut(user=people.bob, channel=channel, message_ts=other, callback_id="followup")
    assert shortcut.status == 200
    await workspace.settle()

    listing = (await workspace.command("followup list", channel=channel))["text"]
    assert f"*#1* Add queue depth alert · <@{people.bob}> · due 2026-12-01" in listing
    assert f"*#2* We need a runbook for this · <@{people.carol}>" in listing
    assert "*#3* Raise the consumer limit" in listing
    assert "#4" not in listing
    assert (await workspace.command("followup done 2", channel=channel))["text"] == "Follow-up #2 of INC-1 is done."
    assert "already done" in (await workspace.command("followup done 2", channel=channel))["text"]
    assert "has no follow-up #9" in (await workspace.command("followup done 9", channel=channel))["text"]
    assert "is not a followup action" in (await workspace.command("followup remove 1", channel=channel))["text"]


async def test_alert_incident_postmortem_has_time_to_detect_runbooks_and_local_times(start_bot: StartBot) -> None:
    workspace = await start_bot("timezone: Europe/Madrid\n")
    started = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=12)
    alert = am_alert("DiskFull", runbook="https://runbooks.example.org/disk", starts_at=started)
    await workspace.webhook("alertmanager", am_group([alert]))
    await workspace.settle()
    [channel] = workspace.incident_channels()
    await workspace.command("postmortem", channel=channel.id)
    await workspace.settle()

    [document] = uploaded(workspace, channel.id)
    assert "Times are in Europe/Madrid" in document
    madrid = started.astimezone(ZoneInfo("Europe/Madrid"))
    assert f"from {madrid:%Y-%m-%d %H:%M} CET" in document
    assert "[Runbook](https://runbooks.example.org/disk)" in document
    detect = next(line for line in document.splitlines() if line.startswith("| Time to detect |"))
    assert detect.startswith("| Time to detect | 12m")
    declared = next(line for line in document.splitlines() if line.startswith("| Declared |"))
    assert declared.endswith(" by an Alertmanager alert |")


async def test_command_line_renders_html_escaped_and_refuses_unknown_incidents(
    workspace: Workspace,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await conversation(workspace)
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "pm.html"

    assert await _cli(["postmortem", "INC-1", "--format", "html", "--out", str(out)]) == 0
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "<em>(edited)</em>" in html
    capsys.readouterr()

    assert await _cli(["postmortem", "99"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == ["oncall-bot: There is no incident INC-99."]
    assert await _cli(["postmortem", "yesterday"]) == 2
    assert "is not an incident" in capsys.readouterr().err


async def test_operator_templates_run_sandboxed(
    workspace: Workspace,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await conversation(workspace)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "postmortem.md.j2").write_text("Our format: {{ incident.ref }} / {{ pm.timeline | length }} entries\n")
    config = tmp_path / "oncall.yml"
    config.write_text(f"postmortem:\n  template_dir: {templates}\n")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ONCALL_CONFIG", str(config))

    assert await _cli(["postmortem", "1"]) == 0
    assert capsys.readouterr().out.startswith("Our format: INC-1 / ")

    (templates / "postmortem.md.j2").write_text("{{ incident.__class__.__init__.__globals__ }}")
    assert await _cli(["postmortem", "1"]) == 2
    error = capsys.readouterr().err
    assert "postmortem.md.j2" in error and "unsafe" in error and len(error.strip().splitlines()) == 1


async def test_an_operator_template_that_loops_or_hogs_memory_is_stopped_with_one_line(
    workspace: Workspace,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await conversation(workspace)
    templates = tmp_path / "templates"
    templates.mkdir()
    config = tmp_path / "oncall.yml"
    config.write_text(f"postmortem:\n  template_dir: {templates}\n  time_limit: 2s\n  memory_limit_mb: 256\n")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ONCALL_CONFIG", str(config))

    # Ten billion turns writing nothing (so memory stays flat): only the time limit stops the pair.
    (templates / "postmortem.md.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    assert await _cli(["postmortem", "1"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "postmortem.md.j2" in line and "took longer than 2 s and was stopped" in line

    # A loaded machine can take seconds to build the string: only the memory limit may stop this one.
    config.write_text(f"postmortem:\n  template_dir: {templates}\n  time_limit: 60s\n  memory_limit_mb: 256\n")
    (templates / "postmortem.md.j2").write_text("{% set x = 'x' * (1024 * 1024 * 400) %}{{ x | length }}")
    assert await _cli(["postmortem", "1"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "postmortem.md.j2" in line and "needed more than 256 MB" in line

    # The limits hold the operator's template only: the bundled HTML one still renders, in this process.
    assert await _cli(["postmortem", "1", "--format", "html"]) == 0
    assert "<html" in capsys.readouterr().out


async def _cli(arguments: list[str]) -> int:
    """The console script runs its own event loop: run it beside the test's."""
    import asyncio

    return await asyncio.to_thread(main, arguments)
