"""Alert webhooks over HTTP: sources' documented payloads open and update incidents through Slack."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sqlmodel import select

from bot.incidents.messaging import RESOLVE_ACTION
from storage.tables import Alert, Incident, OutboxEntry, TimelineEntry
from tests.e2e.alert_payloads import am_alert, am_group, fixture, resolved
from tests.e2e.conftest import StartBot, Workspace

RUNBOOK = "https://runbooks.example.org/checkout/high-error-rate"


async def rows(workspace: Workspace, table: Any) -> list[Any]:
    async with workspace.database.transaction() as session:
        return list((await session.exec(select(table))).all())


def alert_list_message(workspace: Workspace, channel: str) -> Any:
    found = [message for message in workspace.slack.messages(channel) if message.text.startswith("Alerts of INC-")]
    assert len(found) == 1, [message.text for message in workspace.slack.messages(channel)]
    return found[0]


async def test_critical_alertmanager_group_opens_one_incident_channel_listing_its_alerts(workspace: Workspace) -> None:
    response = await workspace.webhook("alertmanager", fixture("alertmanager_firing"))
    assert response.status == 200
    assert (await response.json())["opened"] == ["INC-1"]
    await workspace.settle()

    [channel] = workspace.incident_channels()
    assert channel.name.startswith("inc-1-checkout-api-5xx-rate")
    alerts = alert_list_message(workspace, channel.id)
    assert alerts.text == "Alerts of INC-1: 5 firing, 0 resolved"
    listed = json.dumps(alerts.blocks)
    assert "Checkout API 5xx rate is 7.2% on 10.0.1.11:8080" in listed
    assert f"<{RUNBOOK}|Runbook>" in listed
    [incident] = await rows(workspace, Incident)
    assert (incident.origin, incident.severity, incident.detected_at.isoformat()) == (
        "alertmanager",
        "SEV2",
        "2024-05-14T09:12:07.392000+00:00",
    )
    summary = workspace.slack.messages(channel.id)[0]
    assert "by an Alertmanager alert" in json.dumps(summary.blocks)
    assert any("INC-1" in text for text in workspace.posts(workspace.incidents))
    # Five alerts share one runbook: one bookmark.
    assert [bookmark["link"] for bookmark in channel.bookmarks] == [RUNBOOK]
    fired = [entry for entry in await rows(workspace, TimelineEntry) if entry.kind == "alert_fired"]
    assert len(fired) == 5


async def test_redelivered_group_changes_nothing_and_makes_no_slack_calls(workspace: Workspace) -> None:
    body = fixture("alertmanager_firing")
    await workspace.webhook("alertmanager", body)
    await workspace.settle()
    calls_before = len(workspace.slack.calls)

    again = await workspace.webhook("alertmanager", body)
    assert again.status == 200
    assert await again.json() == {"accepted": 5, "changed": 0, "opened": [], "updated": []}
    await workspace.settle()

    assert len(workspace.slack.calls) == calls_before
    assert len(workspace.incident_channels()) == 1
    assert len(await rows(workspace, Alert)) == 5
    assert len([entry for entry in await rows(workspace, TimelineEntry) if entry.kind == "alert_fired"]) == 5


async def test_new_alert_in_the_same_group_joins_the_open_incident(workspace: Workspace) -> None:
    first = am_alert("DiskFull", instance="db-1")
    await workspace.webhook("alertmanager", am_group([first]))
    await workspace.settle()

    response = await workspace.webhook("alertmanager", am_group([first, am_alert("DiskFull", instance="db-2")]))
    assert await response.json() == {"accepted": 2, "changed": 1, "opened": [], "updated": ["INC-1"]}
    await workspace.settle()

    [channel] = workspace.incident_channels()
    assert alert_list_message(workspace, channel.id).text == "Alerts of INC-1: 2 firing, 0 resolved"
    assert {alert.incident_id for alert in await rows(workspace, Alert)} == {1}


async def test_resolved_alerts_reach_the_channel_and_a_button_resolves_the_incident(workspace: Workspace) -> None:
    alerts = [am_alert("DiskFull", instance="db-1"), am_alert("DiskFull", instance="db-2")]
    await workspace.webhook("alertmanager", am_group(alerts))
    await workspace.settle()
    [channel] = workspace.incident_channels()

    await workspace.webhook("alertmanager", am_group([resolved(alerts[0]), alerts[1]]))
    await workspace.settle()
    assert alert_list_message(workspace, channel.id).text == "Alerts of INC-1: 1 firing, 1 resolved"
    assert not [text for text in workspace.posts(channel.id) if "have resolved" in text]

    await workspace.webhook("alertmanager", am_group([resolved(alert) for alert in alerts]))
    await workspace.settle()
    assert alert_list_message(workspace, channel.id).text == "Alerts of INC-1: 0 firing, 2 resolved"
    [notice] = [message for message in workspace.slack.messages(channel.id) if "have resolved" in message.text]
    assert notice.text.startswith(":white_check_mark: All 2 alerts of INC-1 have resolved")
    [incident] = await rows(workspace, Incident)
    assert incident.status == "investigating"  # people decide, unless auto_resolve is on

    button = notice.blocks[1]["elements"][0]
    delivery = await workspace.slack.click_button(
        user=workspace.people.bob,
        channel=channel.id,
        message_ts=notice.ts,
        action_id=RESOLVE_ACTION,
        value=button["value"],
        block_id=notice.blocks[1]["block_id"],
    )
    assert delivery.status == 200
    await workspace.settle()
    [incident] = await rows(workspace, Incident)
    assert incident.status == "resolved"
    kinds = [entry.kind for entry in await rows(workspace, TimelineEntry)]
    assert kinds.count("alert_resolved") == 2


async def test_auto_resolve_resolves_the_incident_when_every_alert_clears(start_bot: StartBot) -> None:
    workspace = await start_bot("alerts:\n  auto_resolve: true\n")
    alert = am_alert("DiskFull")
    await workspace.webhook("alertmanager", am_group([alert]))
    await workspace.settle()
    await workspace.webhook("alertmanager", am_group([resolved(alert)]))
    await workspace.settle()

    [incident] = await rows(workspace, Incident)
    assert incident.status == "resolved"
    [channel] = workspace.incident_channels()
    assert any(
        text.startswith(":white_check_mark: Alertmanager resolved *INC-1*") for text in workspace.posts(channel.id)
    )


async def test_warning_is_posted_to_the_alerts_channel_and_its_post_updated_not_repeated(workspace: Workspace) -> None:
    alerts_channel = workspace.slack.add_channel("alerts", creator=workspace.people.alice)
    warning = am_alert("HighLatency", severity="warning")
    response = await workspace.webhook("alertmanager", am_group([warning]))
    assert (await response.json())["opened"] == []
    await workspace.settle()
    assert workspace.incident_channels() == []
    [post] = workspace.slack.messages(alerts_channel)
    assert post.text == "[FIRING:1] HighLatency: 1 firing, 0 resolved"

    await workspace.webhook("alertmanager", am_group([resolved(warning)]))
    await workspace.settle()
    [post] = workspace.slack.messages(alerts_channel)
    assert post.text == "[RESOLVED] HighLatency: 0 firing, 1 resolved"
    assert post.edited


async def test_critical_alert_joining_a_posted_group_opens_an_incident_and_the_post_links_it(
    workspace: Workspace,
) -> None:
    alerts_channel = workspace.slack.add_channel("alerts", creator=workspace.people.alice)
    warning = am_alert("Replication", instance="db-1", severity="warning")
    await workspace.webhook("alertmanager", am_group([warning]))
    await workspace.settle()

    critical = am_alert("Replication", instance="db-2", severity="critical")
    response = await workspace.webhook("alertmanager", am_group([warning, critical]))
    assert (await response.json())["opened"] == ["INC-1"]
    await workspace.settle()
    [post] = workspace.slack.messages(alerts_channel)
    assert "Tracked in INC-1." in json.dumps(post.blocks)


async def test_alert_storm_opens_a_few_incidents_and_gathers_the_rest_in_one(start_bot: StartBot) -> None:
    workspace = await start_bot("storm:\n  max_new_incidents_per_minute: 3\n")
    for number in range(30):
        response = await workspace.webhook("alertmanager", am_group([am_alert(f"Storm{number:02d}")]))
        assert response.status == 200
    await workspace.settle(within=60)

    channels = workspace.incident_channels()
    assert len(channels) == 4  # three incidents, then one storm incident for the other 27
    incidents = {incident.id: incident for incident in await rows(workspace, Incident)}
    [storm] = [incident for incident in incidents.values() if incident.is_storm]
    storm_alerts = [alert for alert in await rows(workspace, Alert) if alert.incident_id == storm.id]
    assert len(storm_alerts) == 27
    storm_channel = storm.channel_id
    assert alert_list_message(workspace, storm_channel).text == f"Alerts of INC-{storm.id}: 27 firing, 0 resolved"
    # The list is redrawn as alerts arrive, not once per alert.
    redraws = [call for call in workspace.slack.ok_calls_to("chat.update") if call.args.get("channel") == storm_channel]
    assert len(redraws) < 27


async def test_routing_rule_sets_team_severity_responders_and_announcement_channel(start_bot: StartBot) -> None:
    config = """
alerts:
  routes:
    - match: {service: payments}
      match_re: {alertname: "Payment.*"}
      team: payments
      severity: {critical: sev1, warning: sev3}
      announce_channel: "#payments-incidents"
      responders: [RESPONDER]
      usergroup: S0PAYMENTS
"""
    workspace = await start_bot(lambda people: config.replace("RESPONDER", people.bob))
    bob, carol = workspace.people.bob, workspace.people.carol
    workspace.slack.add_usergroup("payments-oncall", usergroup_id="S0PAYMENTS", users=[carol])
    workspace.slack.add_channel("payments-incidents", creator=workspace.people.alice)

    await workspace.webhook(
        "alertmanager", am_group([am_alert("PaymentErrors", severity="warning", service="payments")])
    )
    await workspace.webhook("alertmanager", am_group([am_alert("CheckoutErrors", severity="warning")]))
    await workspace.settle()

    [incident] = await rows(workspace, Incident)
    assert (incident.team, incident.severity) == ("payments", "SEV3")
    [channel] = workspace.incident_channels()
    assert {bob, carol} <= channel.members
    payments = workspace.slack.channel_by_name("payments-incidents")
    assert payments is not None
    assert any("INC-1" in text for text in workspace.posts(payments.id))
    assert not any("INC-1" in text for text in workspace.posts(workspace.incidents))


async def test_pagerduty_incident_verified_by_signature_opens_and_resolves(start_bot: StartBot) -> None:
    secret = "pd-secret-0123"
    workspace = await start_bot(f"webhooks:\n  pagerduty:\n    secrets: [{secret}]\n")
    triggered = json.dumps(fixture("pagerduty_triggered")).encode()
    signature = "v1=" + hmac.new(secret.encode(), triggered, hashlib.sha256).hexdigest()

    unsigned = await workspace.webhook("pagerduty", triggered, token=None)
    assert unsigned.status == 401
    forged = await workspace.webhook("pagerduty", triggered, token=None, headers={"X-PagerDuty-Signature": "v1=00"})
    assert forged.status == 401
    assert await rows(workspace, Alert) == []

    response = await workspace.webhook("pagerduty", triggered, token=None, headers={"X-PagerDuty-Signature": signature})
    assert response.status == 200
    assert (await response.json())["opened"] == ["INC-1"]

    resolved_body = json.dumps(fixture("pagerduty_resolved")).encode()
    resolved_signature = "v1=" + hmac.new(secret.encode(), resolved_body, hashlib.sha256).hexdigest()
    await workspace.webhook(
        "pagerduty", resolved_body, token=None, headers={"X-PagerDuty-Signature": resolved_signature}
    )
    await workspace.settle()
    [channel] = workspace.incident_channels()
    assert any("The alert of INC-1 has resolved" in text for text in workspace.posts(channel.id))


async def test_grafana_and_generic_payloads_are_accepted(workspace: Workspace) -> None:
    workspace.slack.add_channel("alerts", creator=workspace.people.alice)
    grafana = await workspace.webhook("grafana", fixture("grafana_firing"))
    generic = await workspace.webhook("generic", fixture("generic"))
    assert (grafana.status, generic.status) == (200, 200)
    await workspace.settle()
    sources = {alert.source for alert in await rows(workspace, Alert)}
    assert sources == {"grafana", "generic"}


async def test_refused_requests_store_nothing_and_change_nothing(workspace: Workspace) -> None:
    await workspace.webhook("alertmanager", am_group([am_alert("DiskFull")]))
    await workspace.settle()
    before = [alert.model_dump() for alert in await rows(workspace, Alert)]
    outbox_before = len(await rows(workspace, OutboxEntry))
    changed = am_group([resolved(am_alert("DiskFull"))])

    missing = await workspace.webhook("alertmanager", changed, token=None)
    assert missing.status == 401
    assert "Authorization: Bearer" in (await missing.json())["message"]
    wrong = await workspace.webhook("alertmanager", changed, token="not-the-token")
    assert (wrong.status, (await wrong.json())["message"]) == (401, "the bearer token is wrong")

    not_json = await workspace.webhook("alertmanager", b'{"alerts": [', token="default")
    assert not_json.status == 400
    assert (await not_json.json())["message"].startswith("the body is not valid JSON")

    wrong_shape = am_group([am_alert("DiskFull")])
    del wrong_shape["alerts"][0]["labels"]
    shape = await workspace.webhook("alertmanager", wrong_shape)
    assert shape.status == 422
    assert (await shape.json())["field"] == "alerts[0].labels"

    huge = await workspace.webhook("alertmanager", b"{" + b" " * (1024 * 1024) + b"}")
    assert huge.status == 413

    unknown = await workspace.webhook("nagios", changed)
    assert unknown.status == 404
    assert "alertmanager, generic, grafana, pagerduty" in (await unknown.json())["message"]

    assert [alert.model_dump() for alert in await rows(workspace, Alert)] == before
    assert len(await rows(workspace, OutboxEntry)) == outbox_before


async def test_a_source_with_its_own_token_does_not_take_the_shared_one(start_bot: StartBot) -> None:
    workspace = await start_bot("webhooks:\n  tokens:\n    grafana: grafana-only-token\n")
    body = fixture("grafana_firing")
    assert (await workspace.webhook("grafana", body)).status == 401
    assert (await workspace.webhook("grafana", body, token="grafana-only-token")).status == 200
    assert (await workspace.webhook("alertmanager", am_group([am_alert("DiskFull")]))).status == 200


async def test_webhooks_are_refused_until_a_token_is_configured(start_bot: StartBot) -> None:
    workspace = await start_bot(webhook_token=None)
    response = await workspace.webhook("alertmanager", am_group([am_alert("DiskFull")]), token="anything")
    assert response.status == 401
    assert "set WEBHOOK_TOKEN" in (await response.json())["message"]


async def test_alert_text_is_escaped_so_it_cannot_ping_or_break_the_message(workspace: Workspace) -> None:
    hostile = am_alert("Injection")
    hostile["annotations"]["summary"] = "<!channel> disk & <https://evil.example|click> *bold*"
    hostile["annotations"]["runbook_url"] = "https://runbooks.example.org/a|b>"
    await workspace.webhook("alertmanager", am_group([hostile]))
    await workspace.settle()

    [channel] = workspace.incident_channels()
    listed = json.dumps(alert_list_message(workspace, channel.id).blocks)
    assert "<!channel>" not in listed and "&lt;!channel&gt; disk &amp; &lt;https://evil.example|click&gt;" in listed
    assert "Runbook: https://runbooks.example.org/a|b&gt;" in listed  # not turned into a link


async def test_a_generic_alert_sent_again_unchanged_without_a_start_time_is_not_re_fired(workspace: Workspace) -> None:
    # Cron jobs and scripts resend the same alert while the problem lasts, with no starts_at.
    firing = {"title": "Nightly backup of orders-db failed", "severity": "critical", "labels": {"service": "orders"}}
    first = await workspace.webhook("generic", firing)
    assert (await first.json())["opened"] == ["INC-1"]
    [stored] = await rows(workspace, Alert)

    again = [await workspace.webhook("generic", firing) for _ in range(2)]

    assert [(await response.json())["changed"] for response in again] == [0, 0]
    [alert] = await rows(workspace, Alert)
    assert (alert.fired_count, alert.starts_at) == (1, stored.starts_at)
    fired = [entry.text for entry in await rows(workspace, TimelineEntry) if entry.kind == "alert_fired"]
    assert fired == ["Alert fired: Nightly backup of orders-db failed (service=orders)"]

    # Resolved, then sent firing again: that is a new firing, starting when it was received.
    resolved_body = {**firing, "status": "resolved"}
    assert (await (await workspace.webhook("generic", resolved_body)).json())["changed"] == 1
    [alert] = await rows(workspace, Alert)
    assert alert.starts_at == stored.starts_at  # the firing it ended began when it was first received
    refired = await workspace.webhook("generic", firing)
    assert (await refired.json())["changed"] == 1
    [alert] = await rows(workspace, Alert)
    assert alert.fired_count == 2
    assert alert.starts_at > stored.starts_at


async def test_an_alert_with_an_over_long_name_still_updates_to_resolved(workspace: Workspace) -> None:
    alerts_channel = workspace.slack.add_channel("alerts", creator=workspace.people.alice)
    # Names are the sender's: a templated rule name can hold a whole query result.
    long = {"name": "QueueBacklog " + "x" * 60_000, "title": "Backlog " + "y" * 60_000, "severity": "warning"}
    await workspace.webhook("generic", {**long, "labels": {"queue": "q" * 5_000}, "description": "d" * 50_000})
    await workspace.settle()

    await workspace.webhook("generic", {**long, "labels": {"queue": "q" * 5_000}, "status": "resolved"})
    await workspace.settle()

    [message] = workspace.slack.messages(alerts_channel)
    assert message.edited
    assert message.text.startswith("[RESOLVED] QueueBacklog xxx")
    assert message.text.endswith("…: 0 firing, 1 resolved")
    assert len(message.text) <= 3000
    assert [entry.state for entry in await rows(workspace, OutboxEntry)] == ["done", "done"]
