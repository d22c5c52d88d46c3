"""Helpers the webhook parsers share: typed field access that names the bad field, times, fingerprints."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.alerts.models import AlertIn, AlertStatus, PayloadError

# Alertmanager and Grafana send Go's zero time as endsAt while an alert is still firing.
ZERO_TIME_PREFIX = "0001-01-01T00:00:00"


def child(path: str, key: str | int) -> str:
    """Dotted path of a member: `alerts` + 0 → `alerts[0]`, `alerts[0]` + `labels` → `alerts[0].labels`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def require_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(path, "must be an object")
    return value


def required_object(body: Mapping[str, Any], key: str, path: str = "") -> dict[str, Any]:
    value = body.get(key)
    if value is None:
        raise PayloadError(child(path, key))
    return require_object(value, child(path, key))


def require_list(body: Mapping[str, Any], key: str, path: str = "") -> list[Any]:
    value = body.get(key)
    if value is None:
        raise PayloadError(child(path, key))
    if not isinstance(value, list):
        raise PayloadError(child(path, key), "must be a list")
    return value


def storable_text(value: str, path: str) -> str:
    """The text as sent, refused if no database could store it: NUL, or a lone surrogate such as JSON's "\\ud800"."""
    if "\x00" in value:
        raise PayloadError(path, "must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PayloadError(path, "is not valid Unicode: it holds a lone surrogate") from None
    return value


def required_str(body: Mapping[str, Any], key: str, path: str = "") -> str:
    value = body.get(key)
    if value is None:
        raise PayloadError(child(path, key))
    if not isinstance(value, str):
        raise PayloadError(child(path, key), "must be a string")
    return storable_text(value, child(path, key))


def required_name(body: Mapping[str, Any], key: str, path: str = "") -> str:
    """A string that names or identifies something, so blank will not do."""
    value = required_str(body, key, path)
    if not value.strip():
        raise PayloadError(child(path, key), "must not be empty")
    return value


def optional_str(body: Mapping[str, Any], key: str, path: str = "") -> str | None:
    """The string at `key`, or None when it is absent, null or empty."""
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(child(path, key), "must be a string")
    return storable_text(value, child(path, key))


def string_map(body: Mapping[str, Any], key: str, path: str = "", *, required: bool = False) -> dict[str, str]:
    """A `{str: str}` object such as labels or annotations; absent means empty unless required."""
    value = body.get(key)
    where = child(path, key)
    if value is None:
        if required:
            raise PayloadError(where)
        return {}
    if not isinstance(value, dict):
        raise PayloadError(where, "must be an object")
    for name, item in value.items():
        storable_text(name, where)
        if not isinstance(item, str):
            raise PayloadError(child(where, name), "must be a string")
        storable_text(item, child(where, name))
    return dict(value)


def parse_time(value: str, path: str) -> datetime:
    """An ISO-8601 time, `Z` suffix and nanoseconds included, in UTC; a naive time is taken as UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    date_part, sep, rest = text.partition(".")
    if sep:  # Go prints up to nine fractional digits; Python takes six
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[: min(digits, 6)] + rest[digits:]
        text = f"{date_part}.{rest}" if digits else f"{date_part}{rest}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(path, f"is not an ISO-8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is still year 0 in UTC, which Python cannot hold
        raise PayloadError(path, f"is out of range in UTC: {value!r}") from None


def required_time(body: Mapping[str, Any], key: str, path: str = "") -> datetime:
    return parse_time(required_str(body, key, path), child(path, key))


def optional_time(body: Mapping[str, Any], key: str, path: str = "") -> datetime | None:
    """A time, or None when absent or Go's zero time (Alertmanager's "not ended yet")."""
    value = optional_str(body, key, path)
    if value is None or value.startswith(ZERO_TIME_PREFIX):
        return None
    return parse_time(value, child(path, key))


def parse_status(
    body: Mapping[str, Any], key: str, path: str = "", *, default: AlertStatus | None = None
) -> AlertStatus:
    value = body.get(key)
    if value is None and default is not None:
        return default
    if value is None:
        raise PayloadError(child(path, key))
    try:
        return AlertStatus(value)
    except ValueError:
        raise PayloadError(child(path, key), 'must be "firing" or "resolved"') from None


def stable_fingerprint(*parts: str, labels: Mapping[str, str]) -> str:
    """Same alert, same fingerprint on every redelivery: sha256 of the parts and the sorted labels."""
    canonical = json.dumps([list(parts), sorted(labels.items())], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def alertmanager_alert(raw: Any, path: str, *, source: str, group_key: str | None) -> AlertIn:
    """One alert of the Alertmanager shape, which Grafana's webhook contact point shares."""
    alert = require_object(raw, path)
    labels = string_map(alert, "labels", path, required=True)
    annotations = string_map(alert, "annotations", path)
    fingerprint = optional_str(alert, "fingerprint", path) or stable_fingerprint(labels=labels)
    return AlertIn(
        source=source,
        fingerprint=fingerprint,
        status=parse_status(alert, "status", path),
        labels=labels,
        annotations=annotations,
        summary=annotations.get("summary") or labels.get("alertname") or fingerprint,
        description=annotations.get("description", ""),
        runbook_url=annotations.get("runbook_url") or None,
        severity=labels.get("severity") or None,
        starts_at=required_time(alert, "startsAt", path),
        ends_at=optional_time(alert, "endsAt", path),
        generator_url=optional_str(alert, "generatorURL", path),
        group_key=group_key,
    )
