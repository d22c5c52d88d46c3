"""Deliveries this process has committed lately: Alertmanager's unchanged resends cost no database work."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from bot.alerts.models import AlertIn


def _digest(alert: AlertIn) -> int:
    """Everything ingestion looks at: equal digests mean a delivery can change nothing."""
    return hash(
        (
            alert.status,
            alert.starts_at if alert.starts_at_given else None,  # a resend's receive time is no change
            alert.ends_at,
            alert.summary,
            alert.description,
            alert.runbook_url,
            alert.severity,
            alert.generator_url,
            tuple(alert.links.items()),
            alert.group_key,
            tuple(sorted(alert.labels.items())),
            tuple(sorted(alert.annotations.items())),
        )
    )


class CommittedAlerts:
    """What this process has committed lately, so a resend of the same state needs no database work.

    Alertmanager resends every group each `group_interval` whether or not anything changed; most
    deliveries are such resends. A hit means this exact state is already stored (entries are added
    only after their transaction commits), and processing it again would change nothing: the stored
    alert is at that state or newer. Bounded, least recently used first out.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._digests: OrderedDict[tuple[str, str], int] = OrderedDict()

    def unknown(self, alerts: Sequence[AlertIn]) -> list[AlertIn]:
        """The alerts whose state this process has not committed: a storm's notifications repeat every alert
        of their group already stored, with a few new ones."""
        news = []
        for alert in alerts:
            key = (alert.source, alert.fingerprint)
            if self._digests.get(key) != _digest(alert):
                news.append(alert)
            else:
                self._digests.move_to_end(key)
        return news

    def remember(self, alerts: Sequence[AlertIn]) -> None:
        for alert in alerts:
            key = (alert.source, alert.fingerprint)
            self._digests[key] = _digest(alert)
            self._digests.move_to_end(key)
        while len(self._digests) > self._capacity:
            self._digests.popitem(last=False)
