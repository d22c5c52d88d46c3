"""PagerDuty's Events API v2: an incident's outbox events as alert events, one dedup_key per incident.

https://developer.pagerduty.com/docs/events-api-v2/trigger-events/: `routing_key` and `event_action`
always, `payload.summary`, `source` and `severity` on a trigger. 202 is accepted; 400 an invalid event
(not retried: parked with PagerDuty's errors); 429 and 5xx are retried, the same event each time.
"""

from __future__ import annotations

import json
from typing import Any

from bot.errors import RemoteRejected
from bot.pagers.http import Answer, PagerHttp, classify

METHOD = "pagerduty.enqueue"
# PagerDuty's four severities, from the bot's four.
SEVERITIES = {"SEV1": "critical", "SEV2": "error", "SEV3": "warning", "SEV4": "info"}
SUMMARY_LIMIT = 1024


def dedup_key(prefix: str, number: int) -> str:
    return f"{prefix}-INC-{number}"


def channel_link(channel_id: str) -> str:
    return f"https://slack.com/app_redirect?channel={channel_id}"


def event_body(payload: dict[str, Any], *, prefix: str) -> dict[str, Any]:
    """The Events API v2 event of a stored outbox payload (bot/pagers/events.py wrote it)."""
    incident = payload["incident"]
    body: dict[str, Any] = {
        "routing_key": payload["target"],
        "event_action": payload["event"],
        "dedup_key": dedup_key(prefix, int(incident["number"])),
    }
    if payload["event"] != "trigger":
        return body
    summary = f"{incident['reference']} {incident['title']} ({incident['severity']})"
    details = {"incident": incident["reference"], "policy": payload.get("policy"), "step": payload.get("step")}
    if payload.get("message"):
        details["message"] = payload["message"]
    body["payload"] = {
        "summary": summary[:SUMMARY_LIMIT],
        "source": incident.get("service") or prefix,
        "severity": SEVERITIES.get(str(incident["severity"]), "error"),
        "timestamp": payload["at"],
        "component": incident.get("service") or None,
        "class": "incident",
        "custom_details": details,
    }
    body["payload"] = {key: value for key, value in body["payload"].items() if value is not None}
    body["client"] = "oncall-bot"
    if incident.get("channel_id"):
        link = channel_link(str(incident["channel_id"]))
        body["client_url"] = link
        body["links"] = [{"href": link, "text": f"Slack #{incident.get('channel_name') or incident['channel_id']}"}]
    return body


async def send(http: PagerHttp, url: str, payload: dict[str, Any], *, prefix: str) -> None:
    answer = await http.post(METHOD, url, json.dumps(event_body(payload, prefix=prefix)).encode(), {})
    if answer.status == 400:
        raise RemoteRejected(METHOD, f"invalid event: {_errors(answer)}")
    classify(METHOD, answer)


def _errors(answer: Answer) -> str:
    """PagerDuty's `message` and `errors` of a 400, in one line."""
    try:
        body = json.loads(answer.text)
        errors = "; ".join(str(error) for error in body.get("errors") or [])
        return f"{body.get('message', 'invalid event')}" + (f" ({errors})" if errors else "")
    except (ValueError, AttributeError):
        return answer.text[:300]
