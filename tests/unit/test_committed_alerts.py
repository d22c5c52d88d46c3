"""Resends of an already committed state skip the database; any change to an alert does not."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.committed import CommittedAlerts
from bot.alerts.models import AlertIn, AlertStatus


def alert(fingerprint: str = "a", **changes: object) -> AlertIn:
    base = AlertIn(
        source="alertmanager",
        fingerprint=fingerprint,
        status=AlertStatus.FIRING,
        labels={"alertname": "DiskFull"},
        annotations={"summary": "Disk full"},
        summary="Disk full",
        starts_at=datetime(2026, 11, 23, tzinfo=UTC),
    )
    return base.model_copy(update=changes)


def test_only_alerts_committed_as_they_are_now_are_known() -> None:
    committed = CommittedAlerts()
    committed.remember([alert("a"), alert("b")])
    assert not committed.unknown([alert("a"), alert("b")])
    assert committed.unknown([alert("a"), alert("c")]) == [alert("c")]  # a storm's resend: only c is stored
    assert committed.unknown([alert("a", status=AlertStatus.RESOLVED)])
    assert committed.unknown([alert("a", annotations={"summary": "Disk full", "runbook_url": "https://r"})])
    assert committed.unknown([alert("a", starts_at=datetime(2026, 11, 24, tzinfo=UTC))])


def test_the_least_recently_seen_alerts_are_forgotten_first() -> None:
    committed = CommittedAlerts(capacity=2)
    committed.remember([alert("a"), alert("b")])
    assert not committed.unknown([alert("a")])  # a is now the most recent
    committed.remember([alert("c")])
    assert not committed.unknown([alert("a"), alert("c")])
    assert committed.unknown([alert("b")])


def test_a_resend_without_a_start_time_is_known_though_its_receive_time_differs() -> None:
    committed = CommittedAlerts()
    committed.remember([alert("a", starts_at_given=False)])
    later = datetime(2026, 11, 23, 0, 5, tzinfo=UTC)
    assert not committed.unknown([alert("a", starts_at_given=False, starts_at=later)])
    assert committed.unknown([alert("a", starts_at_given=False, status=AlertStatus.RESOLVED)])
