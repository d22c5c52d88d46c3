"""Which alerts a silence selects, as Alertmanager decides, and when an alert Alertmanager lacks has ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.alertmanager.lifecycle import SETTLED, Listed
from bot.alertmanager.matchers import parse_matcher, selects
from storage.tables import Alert

LABELS = {"alertname": "DiskFull", "instance": "db-1", "env": "prod"}
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def silence(*typed: str) -> list[dict[str, object]]:
    return [parse_matcher(token) for token in typed]


def test_every_matcher_must_hold() -> None:
    assert selects(silence("alertname=DiskFull", "instance=db-1"), LABELS)
    assert not selects(silence("alertname=DiskFull", "instance=db-2"), LABELS)
    assert selects(silence("env!=staging"), LABELS)
    assert not selects(silence("env!=prod"), LABELS)


def test_a_regex_matches_the_whole_value_and_a_missing_label_is_empty() -> None:
    assert selects(silence("instance=~db-.*"), LABELS)
    assert not selects(silence("instance=~db"), LABELS)  # anchored, as Alertmanager's are
    assert selects(silence("instance!~web-.*"), LABELS)
    assert selects(silence("team="), LABELS) and selects(silence("team!~.+"), LABELS)
    assert not selects(silence("team=db"), LABELS)


def alert(last_received_at: datetime) -> Alert:
    return Alert(
        source="alertmanager",
        fingerprint="abc",
        status="firing",
        labels=LABELS,
        summary="DiskFull",
        starts_at=NOW - timedelta(hours=1),
        group_id=1,
        last_received_at=last_received_at,
    )


def test_an_alert_lacking_from_an_alertmanager_that_knew_it_has_ended() -> None:
    received = NOW - timedelta(minutes=30)
    assert Listed(set(), started_at=received - timedelta(days=1)).lost(alert(received), NOW)
    assert not Listed({"abc"}, started_at=received - timedelta(days=1)).lost(alert(received), NOW)


def test_a_restarted_alertmanager_is_believed_only_once_settled() -> None:
    received = NOW - timedelta(minutes=30)
    restarted = NOW - timedelta(minutes=1)
    assert not Listed(set(), started_at=restarted).lost(alert(received), NOW)
    assert Listed(set(), started_at=restarted).lost(alert(received), restarted + SETTLED)
    assert not Listed(set(), started_at=None).lost(alert(received), NOW)  # it does not say: nothing is known
