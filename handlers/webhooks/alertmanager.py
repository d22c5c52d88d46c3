"""Prometheus Alertmanager's webhook (`webhook_config`, payload version 4) as normalized alerts.

One delivery carries one alert group: `groupKey`, `status`, `receiver`, `groupLabels`, `commonLabels`,
`commonAnnotations`, `externalURL`, `truncatedAlerts` and `alerts[]`, each with `status`, `labels`,
`annotations`, `startsAt`, `endsAt` (Go's zero time while firing), `generatorURL` and `fingerprint`
(https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
"""

from __future__ import annotations

from typing import Any

from bot.alerts.models import AlertIn, PayloadError
from handlers.webhooks.common import alertmanager_alert, optional_str, require_list, require_object

SOURCE = "alertmanager"
SUPPORTED_VERSION = "4"


def parse(body: dict[str, Any]) -> list[AlertIn]:
    """Every alert of one Alertmanager notification, firing or resolved."""
    require_object(body, "body")
    version = body.get("version")
    if version is not None and version != SUPPORTED_VERSION:
        raise PayloadError("version", f'must be "{SUPPORTED_VERSION}", got {version!r}')
    group_key = optional_str(body, "groupKey")
    alerts = require_list(body, "alerts")
    return [
        alertmanager_alert(raw, f"alerts[{index}]", source=SOURCE, group_key=group_key)
        for index, raw in enumerate(alerts)
    ]
