"""Alertmanager's matchers, from what people type (`label=value`, `!=`, `=~`, `!~`) and from alerts' labels."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot import texts
from bot.errors import UsageError

# Prometheus's label names; the value is anything up to the next space (quotes are not needed in Slack).
_MATCHER = re.compile(r"(?P<name>[^=!~\s]{1,200})(?P<operator>=~|!~|!=|=)(?P<value>\S{0,1000})")
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_matcher(token: str) -> dict[str, Any]:
    """`severity=critical` → Alertmanager's matcher; a mistake is one line saying how to write it."""
    match = _MATCHER.fullmatch(token)
    if match is None:
        raise UsageError(texts.alert_actions.not_a_matcher(token))
    name, operator, value = match["name"], match["operator"], match["value"]
    if not _LABEL.fullmatch(name):
        raise UsageError(texts.alert_actions.bad_label(name))
    regex = "~" in operator
    if regex:
        try:
            re.compile(value)
        except re.error as exc:
            raise UsageError(texts.alert_actions.bad_regex(value, str(exc))) from None
    return {"name": name, "value": value, "isRegex": regex, "isEqual": not operator.startswith("!")}


def common_labels(labels: Iterable[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Equality matchers for the labels every alert has with the same value: what silences all of them."""
    sets = [dict(one) for one in labels]
    if not sets:
        return []
    shared = {name: value for name, value in sets[0].items() if all(other.get(name) == value for other in sets[1:])}
    return [{"name": name, "value": shared[name], "isRegex": False, "isEqual": True} for name in sorted(shared)]


def selects(matchers: Iterable[Mapping[str, Any]], labels: Mapping[str, str]) -> bool:
    """Whether a silence's matchers select an alert of these labels, as Alertmanager decides.

    A missing label matches as the empty string, and a regular expression must match the whole value.
    """
    for matcher in matchers:
        value = labels.get(str(matcher.get("name")), "")
        wanted = str(matcher.get("value", ""))
        if matcher.get("isRegex"):
            try:
                hit = re.fullmatch(wanted, value) is not None
            except re.error:  # Alertmanager refuses such a silence: it selects nothing
                return False
        else:
            hit = value == wanted
        if hit != bool(matcher.get("isEqual", True)):
            return False
    return True
