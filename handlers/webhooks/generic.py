"""A generic JSON alert format, for anything that can POST JSON but has no parser of its own.

The body is `{"alerts": [alert, ...]}` or a single alert object on its own. An alert is:

    {
      "title": "Checkout error rate above 5%",        required: the summary people see
      "name": "CheckoutErrors",                       optional: the alert rule's name, shown first
                                                      (stored as the label `alertname`)
      "fingerprint": "checkout-errors",               optional: default is a hash of the name (else
                                                      the title) and the labels
      "status": "firing",                             optional: "firing" (default) or "resolved"
      "severity": "critical",                         optional
      "description": "5xx rate 7.2% over 10 minutes", optional
      "labels": {"service": "checkout"},              optional: string values only
      "runbook_url": "https://runbooks.example.com/checkout-errors",   optional
      "source_url": "https://ci.example.com/job/checkout/1187",        optional: link back to the source
      "links": {"Dashboard": "https://grafana.example.com/d/checkout"},  optional: more pages, label → URL
      "starts_at": "2024-05-14T09:12:00Z",            optional ISO-8601, default: when first received
      "ends_at": "2024-05-14T09:40:00Z"               optional ISO-8601
    }

Send the same fingerprint (or the same name, or title, and labels) again to update the alert, with
`"status": "resolved"` to resolve it. With a `name`, the title may change while the alert fires.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.alerts.models import AlertIn, AlertStatus
from bot.clock import utcnow
from handlers.webhooks.common import (
    child,
    optional_str,
    optional_time,
    parse_status,
    parse_time,
    require_list,
    require_object,
    required_name,
    stable_fingerprint,
    string_map,
)

SOURCE = "generic"


def parse(body: dict[str, Any], *, now: datetime | None = None) -> list[AlertIn]:
    """Every alert of a generic delivery; `now` stands in for a missing `starts_at`."""
    require_object(body, "body")
    received_at = now or utcnow()
    if "alerts" in body:
        return [_alert(raw, f"alerts[{index}]", received_at) for index, raw in enumerate(require_list(body, "alerts"))]
    return [_alert(body, "", received_at)]


def _alert(raw: Any, path: str, received_at: datetime) -> AlertIn:
    alert = require_object(raw, path or "body")
    title = required_name(alert, "title", path)
    labels = string_map(alert, "labels", path)
    name = optional_str(alert, "name", path)
    # Without a name, the title identifies the alert, as it always has; a name is the rule, as alertname is.
    fingerprint = stable_fingerprint(name, labels=labels) if name else stable_fingerprint(title, labels=labels)
    if name:
        labels["alertname"] = name
    severity = optional_str(alert, "severity", path)
    description = optional_str(alert, "description", path) or ""
    runbook_url = optional_str(alert, "runbook_url", path)
    starts_at = optional_str(alert, "starts_at", path)
    annotations = {"summary": title}
    if description:
        annotations["description"] = description
    if runbook_url:
        annotations["runbook_url"] = runbook_url
    return AlertIn(
        source=SOURCE,
        fingerprint=optional_str(alert, "fingerprint", path) or fingerprint,
        status=parse_status(alert, "status", path, default=AlertStatus.FIRING),
        labels=labels,
        annotations=annotations,
        summary=title,
        description=description,
        runbook_url=runbook_url,
        severity=severity or labels.get("severity") or None,
        starts_at=parse_time(starts_at, child(path, "starts_at")) if starts_at else received_at,
        starts_at_given=starts_at is not None,
        ends_at=optional_time(alert, "ends_at", path),
        generator_url=optional_str(alert, "source_url", path),
        links=string_map(alert, "links", path),
    )
