"""A fast burn becomes an alert in the bot's own pipeline, so routing decides whether it opens an incident.

The alert is what Prometheus would send for the SRE workbook's multi-window burn-rate rules: firing
while the budget burns fast (severity `critical` for the 14.4× page rule, `warning` for the 6× one),
resolved once it no longer does. Its start stays the burn's first evaluation, so a resend is not a re-fire.

Each burn is an alert of its own (its fingerprint carries the burn's start), so the incident a burn
opened stays linked to that burn's alert after later burns: an incidents-sourced SLO can tell, for
every incident in its window, whether its own burn opened it (see `is_own_burn`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.models import AlertIn, AlertStatus
from bot.slo.math import FAST_BURN_RULES
from bot.slo.models import SloDefinition
from storage.tables import Alert, SloEvaluation

SOURCE = "slo"
ALERT_NAME = "SLOErrorBudgetBurn"


def _fingerprint(definition: SloDefinition, since: datetime) -> str:
    # Whole seconds: the start read back from either database gives the same fingerprint as when it was new.
    return f"slo-burn:{definition.name}:{since.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def is_own_burn(definition: SloDefinition, alert: Alert | None) -> bool:
    """Whether the alert is one of this SLO's burn alerts."""
    return alert is not None and alert.source == SOURCE and alert.fingerprint.startswith(f"slo-burn:{definition.name}:")


def _severity(burn_rates: dict[str, float | None]) -> str:
    long, short, factor = FAST_BURN_RULES[0]
    paging = (burn_rates.get(long) or 0.0) > factor and (burn_rates.get(short) or 0.0) > factor
    return "critical" if paging else "warning"


def _labels(definition: SloDefinition, severity: str) -> dict[str, str]:
    return {"alertname": ALERT_NAME, "slo": definition.name, "service": definition.service, "severity": severity}


def burn_alert(definition: SloDefinition, evaluation: SloEvaluation, previous: SloEvaluation | None) -> AlertIn | None:
    """The alert this evaluation implies: firing while burning fast, resolved when the burn ends."""
    if evaluation.fast_burn:
        assert evaluation.fast_burn_since is not None
        rates = evaluation.burn_rates
        hourly = rates.get("1h") or 0.0
        return AlertIn(
            source=SOURCE,
            fingerprint=_fingerprint(definition, evaluation.fast_burn_since),
            status=AlertStatus.FIRING,
            labels=_labels(definition, _severity(rates)),
            severity=_severity(rates),
            annotations={},
            summary=f"SLO {definition.name} ({definition.service}) is burning its error budget {hourly:.1f}× too fast",
            description=(
                f"Burn rate {hourly:.1f}× over 1h and {(rates.get('6h') or 0.0):.1f}× over 6h; "
                f"budget remaining {_percent(evaluation.budget_remaining)} of a {definition.target:.3%} objective."
            ),
            starts_at=evaluation.fast_burn_since,
            group_key=f"slo:{definition.service}",
        )
    if previous is not None and previous.fast_burn and previous.fast_burn_since is not None:
        return AlertIn(
            source=SOURCE,
            fingerprint=_fingerprint(definition, previous.fast_burn_since),
            status=AlertStatus.RESOLVED,
            labels=_labels(definition, _severity(previous.burn_rates)),
            severity=_severity(previous.burn_rates),
            annotations={},
            summary=f"SLO {definition.name} ({definition.service}) is no longer burning its error budget fast",
            starts_at=previous.fast_burn_since,
            ends_at=evaluation.at,
            group_key=f"slo:{definition.service}",
        )
    return None


def burning_since(evaluation_at: datetime, *, fast_burn: bool, previous: SloEvaluation | None) -> datetime | None:
    if not fast_burn:
        return None
    if previous is not None and previous.fast_burn and previous.fast_burn_since is not None:
        return previous.fast_burn_since
    return evaluation_at


def _percent(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1%}"
