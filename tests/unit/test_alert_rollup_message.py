"""The storm rollup message: what an on-call engineer reads in the alerts channel, within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.alerts.messaging import RolledGroup, rolled_groups, rollup_message
from slack_emulator.blocks import block_errors
from storage.enums import Severity, Status
from storage.queries.alerts import RolledAlert
from storage.tables import AlertGroup, Incident

SINCE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def names(blocks: list[dict[str, object]]) -> list[str]:
    lines = "\n".join(str(block["text"]["text"]) for block in blocks[1:] if block["type"] == "section")  # type: ignore[index]
    return [line.split("*")[1] for line in lines.splitlines()]


def test_firing_groups_come_first_most_severe_first_then_the_resolved() -> None:
    groups = [
        RolledGroup(name="Resolved", severity="critical", firing=0, resolved=3),
        RolledGroup(name="Warning", severity="warning", firing=9, resolved=0),
        RolledGroup(name="Critical", severity="critical", firing=1, resolved=0),
        RolledGroup(name="Unknown", severity=None, firing=1, resolved=0),
    ]
    alerts = [
        RolledAlert(group_id=index, status="firing" if group.firing else "resolved", severity=group.severity,
                    summary=group.name, labels={"alertname": group.name}, starts_at=SINCE)
        for index, group in enumerate(groups, start=1)
        for _ in range(group.firing or group.resolved)
    ]  # fmt: skip
    rows = [AlertGroup(id=index, source="am", group_key=str(index), channel="#alerts") for index in range(1, 5)]

    text, blocks = rollup_message(rolled_groups(rows, alerts, []), since=SINCE)

    assert names(blocks) == ["Critical", "Warning", "Unknown", "Resolved"]
    assert text == "Alert storm: 4 alert groups in one message, 11 firing, 3 resolved"


def test_a_group_is_named_by_its_firing_alert_and_rated_by_its_worst_firing_severity() -> None:
    group = AlertGroup(id=1, source="am", group_key="k", channel="#alerts", team="payments")
    alerts = [
        RolledAlert(1, "resolved", "critical", "Old", {"alertname": "Old"}, SINCE),
        RolledAlert(1, "firing", "warning", "Disk", {"alertname": "DiskFull"}, SINCE + timedelta(minutes=1)),
        RolledAlert(1, "firing", "error", "no name", {}, SINCE),
    ]
    [line] = rolled_groups([group], alerts, [])
    assert line == RolledGroup(name="DiskFull", severity="error", firing=2, resolved=1, team="payments")


def test_a_group_in_an_incident_links_its_channel_unless_the_incident_is_private() -> None:
    public = AlertGroup(id=1, source="am", group_key="a", channel="#alerts", incident_id=4)
    private = AlertGroup(id=2, source="am", group_key="b", channel="#alerts", incident_id=5)
    sev2, investigating = Severity.SEV2, Status.INVESTIGATING
    incidents = [
        Incident(id=4, title="t", severity=sev2, status=investigating, declared_by="U1", channel_id="C04"),
        Incident(
            id=5, title="t", severity=sev2, status=investigating, declared_by="U1", channel_id="C05", is_private=True
        ),
    ]
    alerts = [
        RolledAlert(1, "firing", "critical", "A", {}, SINCE),
        RolledAlert(2, "firing", "critical", "B", {}, SINCE),
    ]

    _, blocks = rollup_message(rolled_groups([public, private], alerts, incidents), since=SINCE)

    listed = json.dumps(blocks)
    assert "tracked in INC-4 in <#C04>" in listed
    assert "tracked in INC-5" in listed and "C05" not in listed


def test_a_huge_storm_stays_within_slack_limits_and_counts_what_is_not_listed() -> None:
    groups = [
        RolledGroup(name=f"Group{index:04d} " + "x" * 400, severity="warning", firing=2, resolved=1, team="t" * 40)
        for index in range(1000)
    ]
    text, blocks = rollup_message(groups, since=SINCE)

    assert block_errors(blocks) == []
    assert len(blocks) <= 50
    assert all(len(block["text"]["text"]) <= 3000 for block in blocks if block["type"] == "section")
    listed = len(names(blocks))
    assert 0 < listed <= 100
    more = blocks[-1]["elements"][0]["text"]
    hidden = 1000 - listed
    assert more == f"…and {hidden} more groups ({2 * hidden} firing, {hidden} resolved)."
    assert text == "Alert storm: 1000 alert groups in one message, 2000 firing, 1000 resolved"


def test_lines_that_fill_a_section_each_stop_at_slacks_fifty_blocks() -> None:
    groups = [
        RolledGroup(name=f"G{index}", severity="warning", firing=1, resolved=0, team="t" * 3000) for index in range(60)
    ]
    _, blocks = rollup_message(groups, since=SINCE)

    assert block_errors(blocks) == []
    assert len(blocks) == 50
    assert blocks[-1]["elements"][0]["text"] == "…and 12 more groups (12 firing, 0 resolved)."


def test_when_every_group_fits_nothing_is_said_to_be_missing() -> None:
    groups = [RolledGroup(name=f"G{index}", severity="warning", firing=1, resolved=0) for index in range(30)]
    _, blocks = rollup_message(groups, since=SINCE)
    assert len(names(blocks)) == 30
    assert "more group" not in json.dumps(blocks)


def test_alert_text_cannot_ping_the_channel_or_break_the_list() -> None:
    group = RolledGroup(name="<!channel> disk\nfull & *bold*", severity="<b>", firing=1, resolved=0)
    text, blocks = rollup_message([group], since=SINCE)
    listed = json.dumps(blocks)
    assert "<!channel>" not in listed and "&lt;!channel&gt; disk full &amp;" in listed
    assert "&lt;b&gt;" in listed
    assert text == "Alert storm: 1 alert group in one message, 1 firing, 0 resolved"
