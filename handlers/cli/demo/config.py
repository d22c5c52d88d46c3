"""The demo's ONCALL_CONFIG: a file an operator could have written, kept beside the demo's database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SLO_NAME = "checkout-availability"


@dataclass(frozen=True)
class Cast:
    """The people of the story, by their ids in the emulated workspace."""

    alice: str
    bob: str
    carol: str
    dana: str


def demo_config(cast: Cast, *, digest_day: datetime) -> str:
    """Routing, reminders, one SLO, a weekly digest that falls on the story's second morning."""
    return f"""\
# ONCALL_CONFIG of `oncall-bot demo` (every key: docs/configuration.md)
alerts:
  channel: "#alerts"
  routes:
    # An SLO's fast burn is posted to #alerts; the incident that causes it is already open.
    - match: {{alertname: SLOErrorBudgetBurn}}
      severity: {{critical: none, warning: none}}
    - match: {{service: checkout}}
      team: payments
      responders: [{cast.alice}, {cast.bob}]
reminders:
  status_update_after: {{sev1: 5m, sev2: 10m, sev3: 1h, sev4: 4h}}
  check_every: 1m
slos:
  - name: {SLO_NAME}
    service: checkout
    objective: 99.9%
    window: 28d
    description: Checkout is up; every minute an incident impacts it counts against the budget
    source: {{type: incidents}}
digests:
  - channel: "#slo-digest"
    cron: "0 9 * * {digest_day.strftime("%a").upper()}"
"""
