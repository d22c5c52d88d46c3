"""Grafana unified alerting's webhook contact point as normalized alerts.

The body is Alertmanager's (`receiver`, `status`, `groupKey`, `groupLabels`, `commonLabels`, `alerts[]`…)
plus `orgId`, `title`, `state` and `message`; each alert adds `fingerprint`, `silenceURL`, `dashboardURL`,
`panelURL`, `values` and `valueString`
(https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/).
`generatorURL` (the rule) is the alert's source link; the dashboard, panel and silence pages are kept as links.
"""

from __future__ import annotations

from typing import Any

from bot.alerts.models import AlertIn
from handlers.webhooks.common import alertmanager_alert, optional_str, require_list, require_object

SOURCE = "grafana"
# Grafana's per-alert pages, as its own notification templates label them.
LINKS = {"dashboardURL": "Dashboard", "panelURL": "Panel", "silenceURL": "Silence"}


def parse(body: dict[str, Any]) -> list[AlertIn]:
    """Every alert of one Grafana notification, firing or resolved."""
    require_object(body, "body")
    group_key = optional_str(body, "groupKey")
    title = optional_str(body, "title")
    alerts = require_list(body, "alerts")
    parsed: list[AlertIn] = []
    for index, raw in enumerate(alerts):
        path = f"alerts[{index}]"
        alert = alertmanager_alert(raw, path, source=SOURCE, group_key=group_key)
        updates: dict[str, Any] = {}
        if "summary" not in alert.annotations and "alertname" not in alert.labels and title:
            updates["summary"] = title  # a rule without alertname or summary: the notification title names it
        links = {label: url for key, label in LINKS.items() if (url := optional_str(raw, key, path))}
        if links:
            updates["links"] = links
        parsed.append(alert.model_copy(update=updates) if updates else alert)
    return parsed
