"""Whether an alert's labels fall in a window: Alertmanager's matcher semantics, applied by the bot itself.

Windows hold alerts from every source (Grafana, generic webhooks too), so the bot cannot leave the matching to
Alertmanager; the matchers are the ones bot.alertmanager.matchers.parse_matcher makes, and are evaluated as a
silence's are (bot.alertmanager.matchers.selects), so one syntax and one meaning serve both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.alertmanager.matchers import selects


def matches(matchers: Iterable[Mapping[str, Any]], labels: Mapping[str, str]) -> bool:
    """All matchers must match; a window with no matchers matches nothing (start refuses to make one)."""
    given = list(matchers)
    return bool(given) and selects(given, labels)
