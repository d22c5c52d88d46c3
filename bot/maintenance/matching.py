"""Whether an alert's labels fall in a window: Alertmanager's matcher semantics, applied by the bot itself.

Windows hold alerts from every source (Grafana, generic webhooks too), so the bot cannot leave the matching to
Alertmanager; the matchers are the ones bot.alertmanager.matchers.parse_matcher makes, so one syntax serves both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any


def matches_one(matcher: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Alertmanager's rule: a missing label is the empty string, and a regex must match the whole value."""
    value = labels.get(str(matcher["name"]), "")
    wanted = str(matcher["value"])
    hit = re.fullmatch(wanted, value) is not None if matcher.get("isRegex") else value == wanted
    return hit if matcher.get("isEqual", True) else not hit


def matches(matchers: Iterable[Mapping[str, Any]], labels: Mapping[str, str]) -> bool:
    """All matchers must match; a window with no matchers matches nothing (start refuses to make one)."""
    given = list(matchers)
    return bool(given) and all(matches_one(matcher, labels) for matcher in given)
