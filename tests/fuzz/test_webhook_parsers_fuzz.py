"""Property-based tests of the four webhook parsers: any JSON body yields alerts or a PayloadError naming a field.

Bodies are either arbitrary JSON values or recorded payloads (tests/fixtures/webhooks) with a few fields
deleted or replaced at random paths, which reach much deeper into each parser than random JSON does.
The regression tests at the end keep the minimal failing examples the fuzzing found.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.models import AlertIn, PayloadError
from handlers.webhooks import alertmanager, generic, grafana, pagerduty
from tests.fuzz.strategies import FUZZ, RECORDED, json_values, near_valid, recorded

NOW = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)
PARSERS: dict[str, Callable[[Any], list[AlertIn]]] = {
    alertmanager.SOURCE: alertmanager.parse,
    grafana.SOURCE: grafana.parse,
    pagerduty.SOURCE: pagerduty.parse,
    generic.SOURCE: lambda body: generic.parse(body, now=NOW),
}
SOURCES = sorted(PARSERS)


def parse_or_refuse(source: str, body: Any) -> list[AlertIn] | PayloadError:
    """The parser's alerts or its PayloadError; any other exception fails the test as it is."""
    sent = json.dumps(body)
    try:
        outcome: list[AlertIn] | PayloadError = PARSERS[source](body)
    except PayloadError as exc:
        outcome = exc
    assert json.dumps(body) == sent, f"{source}: the parser changed its input"
    if isinstance(outcome, PayloadError):
        assert outcome.field, f"{source}: PayloadError names no field: {outcome}"
        assert str(outcome).startswith(f"{outcome.field} "), f"{source}: message does not start with the field"
        return outcome
    assert isinstance(outcome, list)
    for alert in outcome:
        assert isinstance(alert, AlertIn)
        assert alert.source == source
        assert alert.fingerprint, f"{source}: empty fingerprint from {body!r}"
        assert alert.starts_at.tzinfo is not None and alert.starts_at.utcoffset() is not None
        assert alert.ends_at is None or alert.ends_at.utcoffset() is not None
    return outcome


@pytest.mark.parametrize("source", SOURCES)
@settings(FUZZ, max_examples=300)
@given(body=json_values)
def test_any_json_body_is_parsed_or_refused_naming_a_field(source: str, body: Any) -> None:
    parse_or_refuse(source, body)


@pytest.mark.parametrize("source", SOURCES)
@settings(FUZZ, max_examples=400)
@given(data=st.data())
def test_recorded_payload_with_fields_deleted_or_retyped_is_parsed_or_refused_naming_a_field(
    source: str, data: st.DataObject
) -> None:
    parse_or_refuse(source, data.draw(near_valid(source), label="body"))


@pytest.mark.parametrize("source", SOURCES)
@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_a_redelivered_body_yields_the_same_alerts(source: str, data: st.DataObject) -> None:
    body = data.draw(near_valid(source), label="body")
    first = parse_or_refuse(source, body)
    again = parse_or_refuse(source, copy.deepcopy(body))
    if isinstance(first, PayloadError):
        assert isinstance(again, PayloadError) and str(again) == str(first)
    else:
        assert again == first


@pytest.mark.parametrize(("source", "name"), [(source, name) for source in SOURCES for name in RECORDED[source]])
def test_every_recorded_payload_the_mutations_start_from_is_valid(source: str, name: str) -> None:
    alerts = parse_or_refuse(source, recorded(name))
    assert isinstance(alerts, list) and alerts


# Regressions: the smallest failing examples the fuzzing found, each fixed in handlers/webhooks/common.py
# or handlers/webhooks/pagerduty.py.


def _alertmanager(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = recorded("alertmanager_firing")
    body["alerts"] = [{**body["alerts"][0], **fields}]
    return body


def refusal(source: str, body: Any) -> PayloadError:
    result = parse_or_refuse(source, body)
    assert isinstance(result, PayloadError), result
    return result


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:30:00+05:00", "9999-12-31T23:59:59-01:00"])
def test_a_start_outside_what_utc_can_hold_is_refused_naming_the_field(starts_at: str) -> None:
    # Was OverflowError from datetime.astimezone: a 500 over HTTP.
    error = refusal("alertmanager", _alertmanager(startsAt=starts_at))
    assert error.field == "alerts[0].startsAt"
    assert "out of range" in str(error)


def test_an_end_before_year_one_in_utc_is_refused_naming_the_field() -> None:
    error = refusal("grafana", {"alerts": [{**_alertmanager()["alerts"][0], "endsAt": "0001-01-01T00:30:00+05:00"}]})
    assert error.field == "alerts[0].endsAt"


def test_generic_alert_whose_label_holds_a_lone_surrogate_is_refused_naming_the_label() -> None:
    # json.loads('"\\ud800"') is a str that UTF-8 cannot encode: the fingerprint hash raised UnicodeEncodeError.
    error = refusal("generic", {"title": "Disk full", "labels": {"host": "db\udfff1"}})
    assert error.field == "labels.host"
    assert "surrogate" in str(error)


def test_a_label_name_with_a_lone_surrogate_is_refused_naming_the_labels() -> None:
    error = refusal("alertmanager", _alertmanager(labels={"alertname": "DiskFull", "\ud800": "x"}))
    assert error.field == "alerts[0].labels"


@pytest.mark.parametrize("summary", ["disk\x00full", "\ud800"])
def test_text_no_database_can_store_is_refused_before_it_reaches_one(summary: str) -> None:
    # PostgreSQL refuses both (the webhook answered 503, retried forever); SQLite a lone surrogate (500).
    body = _alertmanager(annotations={"summary": summary})
    assert refusal("alertmanager", body).field == "alerts[0].annotations.summary"


@pytest.mark.parametrize("blank", ["", "   "])
def test_pagerduty_incident_with_a_blank_id_is_refused(blank: str) -> None:
    # The id is the fingerprint: a blank one was taken as "", and every such incident would merge into one alert.
    body = recorded("pagerduty_triggered")
    body["event"]["data"]["id"] = blank
    error = refusal("pagerduty", body)
    assert (error.field, str(error)) == ("event.data.id", "event.data.id must not be empty")


def test_pagerduty_incident_number_that_is_not_an_integer_says_so() -> None:
    body = recorded("pagerduty_triggered")
    body["event"]["data"]["number"] = 24.5
    assert str(refusal("pagerduty", body)) == "event.data.number must be an integer"
