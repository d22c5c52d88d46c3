"""A fast burn becomes an alert in the bot's own pipeline, so routing decides whether it opens an incident.

The alert is what Prometheus would send for the SLO's burn rules (bot/slo/rules.py: its own, from
`burn_alerts:` or an OpenSLO AlertPolicy, else the SRE workbook's multi-window rules): firing while a rule
breaches and the burn has lasted its `alert_after`, at the severity of the first such rule (`critical` for
the workbook's 14.4× page rule, `warning` for its 6× one), resolved once none does. Its start stays the
burn's first evaluation, so a resend is not a re-fire.

Each burn is an alert of its own (its fingerprint carries the burn's start), so the incident a burn
opened stays linked to that burn's alert after later burns: an incidents-sourced SLO can tell, for
every incident in its window, whether its own burn opened it (see `is_own_burn`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.models import AlertIn, AlertStatus
from bot.slo.models import SloDefinition
from bot.slo.rules import BurnRule, firing, rules_of
from storage.tables import Alert, SloEvaluation

SOURCE = "slo"
ALERT_NAME = "SLOErrorBudgetBurn"


def _fingerprint(definition: SloDefinition, since: datetime) -> str:
    # Whole seconds: the start read back from either database gives the same fingerprint as when it was new.
    return f"slo-burn:{definition.name}:{since.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def is_own_burn(definition: SloDefinition, alert: Alert | None) -> bool:
    """Whether the alert is one of this SLO's burn alerts."""
    return alert is not None and alert.source == SOURCE and alert.fingerprint.startswith(f"slo-burn:{definition.name}:")


def firing_rules(definition: SloDefinition, evaluation: SloEvaluation) -> list[BurnRule]:
    """The rules the evaluation's burn fires (breaching, and burning for at least their `alert_after`)."""
    if not evaluation.fast_burn or evaluation.fast_burn_since is None:
        return []
    burning_for = evaluation.at - evaluation.fast_burn_since
    return firing(rules_of(definition.burn_alerts), evaluation.burn_rates, burning_for=burning_for)


def _labels(definition: SloDefinition, rule: BurnRule) -> dict[str, str]:
    labels = {"alertname": ALERT_NAME, "slo": definition.name, "service": definition.service}
    labels["severity"] = rule.severity
    # An OpenSLO rule says where it came from, so routes can match a team's policy or notification target.
    for name, value in (("alert_policy", rule.policy), ("alert_condition", rule.condition)):
        if value is not None:
            labels[name] = value
    if rule.notification_targets:
        labels["notification_targets"] = ",".join(rule.notification_targets)
    return labels


def _rates(rule: BurnRule, burn_rates: dict[str, float | None]) -> str:
    return " and ".join(f"{(burn_rates.get(name) or 0.0):.1f}× over {name}" for name in rule.windows)


def burn_alert(definition: SloDefinition, evaluation: SloEvaluation, previous: SloEvaluation | None) -> AlertIn | None:
    """The alert this evaluation implies: firing while a rule fires, resolved when none does any more."""
    fired = firing_rules(definition, evaluation)
    if fired:
        assert evaluation.fast_burn_since is not None
        rule, rates = fired[0], evaluation.burn_rates
        fastest = rates.get(next(iter(rule.windows))) or 0.0
        return AlertIn(
            source=SOURCE,
            fingerprint=_fingerprint(definition, evaluation.fast_burn_since),
            status=AlertStatus.FIRING,
            labels=_labels(definition, rule),
            severity=rule.severity,
            annotations={},
            summary=f"SLO {definition.name} ({definition.service}) is burning its error budget {fastest:.1f}× too fast",
            description=(
                f"Burn rate {_rates(rule, rates)}; "
                f"budget remaining {_percent(evaluation.budget_remaining)} of a {definition.target:.3%} objective."
            ),
            starts_at=evaluation.fast_burn_since,
            group_key=f"slo:{definition.service}",
        )
    was_firing = firing_rules(definition, previous) if previous is not None else []
    if previous is not None and was_firing and previous.fast_burn_since is not None:
        return AlertIn(
            source=SOURCE,
            fingerprint=_fingerprint(definition, previous.fast_burn_since),
            status=AlertStatus.RESOLVED,
            labels=_labels(definition, was_firing[0]),
            severity=was_firing[0].severity,
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
