"""OpenSLO AlertPolicy / AlertCondition / AlertNotificationTarget → the burn rules of the SLO naming them.

An SLO's `spec.alertPolicies` lists policies by name (`alertPolicyRef: fast-burn`, or just the name) or
inline; a policy's one condition and its notification targets are likewise named or inline. Each policy
becomes one BurnRule (bot/slo/rules.py): the condition's burn rate `op` `threshold` over `lookbackWindow`,
held `alertAfter`, at the condition's `severity`. Notification targets are not sent to: they become the
alert's `notification_targets` label, which routes may match. docs/slo.md, "Alert policies", shows each field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from bot.errors import SettingsError
from bot.slo.openslo_fields import Document, Invalid, known, mapping, string, unknown
from bot.slo.rules import BurnRule

KINDS = ("AlertPolicy", "AlertCondition", "AlertNotificationTarget")
_POLICY_FIELDS = {
    "description",
    "alertWhenNoData",
    "alertWhenResolved",
    "alertWhenBreaching",
    "conditions",
    "notificationTargets",
}
_CONDITION_FIELDS = {"kind", "op", "threshold", "lookbackWindow", "alertAfter"}
_OPS = ("gt", "gte", "lt", "lte")
_LOOKBACK = re.compile(r"(\d+)([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_T = TypeVar("_T")
_REFS = {"AlertPolicy": "alertPolicyRef", "AlertCondition": "conditionRef", "AlertNotificationTarget": "targetRef"}


class AlertReader:
    """Reads the alert objects of a set of files, resolving their references by name within that set."""

    def __init__(self, documents: list[Document], scope: str) -> None:
        self.scope = scope
        self.named = {kind: {d.name: d for d in reversed(documents) if d.kind == kind} for kind in KINDS}

    def rules(self, value: Any) -> list[BurnRule]:
        """The burn rules of an SLO's `spec.alertPolicies` (empty: the bot's default rules)."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise Invalid("spec.alertPolicies", "must be a list of policies: alertPolicyRef: <name>, or inline")
        rules = []
        for index, item in enumerate(value):
            document, name, spec, path = self._object(item, f"spec.alertPolicies[{index}]", "AlertPolicy")
            rules.append(self._owned(document, partial(self._policy, name, spec, path)))
        return rules

    def check(self, document: Document) -> None:
        """Refuse an alert object that no SLO names as firmly as one that is named."""
        spec = document.spec
        if document.kind == "AlertPolicy":
            self._owned(document, lambda: self._policy(document.name, spec, "spec"))
        elif document.kind == "AlertCondition":
            self._owned(document, lambda: self._condition(spec, "spec"))
        else:
            self._owned(document, lambda: self._target(document.name, spec, "spec"))

    @staticmethod
    def _owned(document: Document | None, read: Callable[[], _T]) -> _T:
        """A referenced object's own mistake is reported as that object's, wherever it is referenced from."""
        if document is None:
            return read()
        try:
            return read()
        except Invalid as exc:
            raise SettingsError(f"{document.origin}: {document.label}: {exc}") from None

    def _object(self, item: Any, path: str, kind: str) -> tuple[Document | None, str, dict[str, Any], str]:
        """A named object (its document) or an inline one: (document or None, name, spec, path of its spec)."""
        ref = _REFS[kind]
        if isinstance(item, str) or (isinstance(item, dict) and ref in item):
            reference = item if isinstance(item, str) else item[ref]
            where = path if isinstance(item, str) else f"{path}.{ref}"
            if isinstance(item, dict):
                known(item, {ref}, path, f"a reference to an {kind}")
            name = string(reference, where)
            document = self.named[kind].get(name)
            if document is None:
                raise Invalid(where, unknown(kind, name, self.named[kind], self.scope))
            return document, name, document.spec, "spec"
        inline = mapping(item, path)
        if not {"kind", "spec"} <= set(inline):
            raise Invalid(path, f"must be {ref}: <name of an {kind}>, or an inline {kind} (kind, metadata, spec)")
        known(inline, {"apiVersion", "kind", "metadata", "spec"}, path, f"an inline {kind}")
        if inline["kind"] != kind:
            raise Invalid(f"{path}.kind", f"must be {kind}, got {inline['kind']!r}")
        metadata = inline.get("metadata") or {}
        name = string(metadata.get("name"), f"{path}.metadata.name") if isinstance(metadata, dict) else ""
        return None, name, mapping(inline["spec"], f"{path}.spec"), f"{path}.spec"

    def _policy(self, name: str, spec: dict[str, Any], path: str) -> BurnRule:
        known(spec, _POLICY_FIELDS, path, "an AlertPolicy")
        _flag(spec, "alertWhenBreaching", path, supported=True, why="the bot alerts while a condition breaches")
        _flag(spec, "alertWhenNoData", path, supported=False, why="no data neither starts nor ends a burn")
        _flag(spec, "alertWhenResolved", path, supported=None, why="")
        conditions = spec.get("conditions")
        if not isinstance(conditions, list) or len(conditions) != 1:
            raise Invalid(f"{path}.conditions", "must list exactly one condition (conditionRef: <name>, or inline)")
        document, condition_name, condition, condition_path = self._object(
            conditions[0], f"{path}.conditions[0]", "AlertCondition"
        )
        rule = self._owned(document, lambda: self._condition(condition, condition_path))
        listed = _list(spec.get("notificationTargets"), f"{path}.notificationTargets")
        targets = [self._target_name(item, f"{path}.notificationTargets[{index}]") for index, item in enumerate(listed)]
        update = {"policy": name or None, "condition": condition_name or None, "notification_targets": targets}
        return rule.model_copy(update=update)

    def _condition(self, spec: dict[str, Any], path: str) -> BurnRule:
        known(spec, {"description", "severity", "condition"}, path, "an AlertCondition")
        severity = string(spec.get("severity"), f"{path}.severity")
        path += ".condition"
        condition = mapping(spec.get("condition"), path)
        known(condition, _CONDITION_FIELDS, path, "an alert condition")
        kind = condition.get("kind", "burnrate")
        if kind != "burnrate":
            raise Invalid(f"{path}.kind", f"must be burnrate (the only kind OpenSLO v1 defines), got {kind!r}")
        op = condition.get("op", "gt")
        if op not in _OPS:
            raise Invalid(f"{path}.op", f"must be one of {', '.join(_OPS)}, got {op!r}")
        threshold = condition.get("threshold")
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0:
            raise Invalid(f"{path}.threshold", f"must be a burn rate above 0 (e.g. 14.4), got {threshold!r}")
        window = _duration(condition.get("lookbackWindow"), f"{path}.lookbackWindow")
        after = condition.get("alertAfter")
        alert_after = timedelta(0) if after in (None, "0m", "0") else _duration(after, f"{path}.alertAfter")
        return BurnRule(window=window, burn_rate=float(threshold), op=op, severity=severity, alert_after=alert_after)

    def _target_name(self, item: Any, path: str) -> str:
        # Targets are only named on the alert (routes decide where it goes): one defined nowhere is still a name.
        ref = item.get(_REFS["AlertNotificationTarget"]) if isinstance(item, dict) else item
        if isinstance(ref, str) and ref.strip() and ref.strip() not in self.named["AlertNotificationTarget"]:
            return ref.strip()
        document, name, spec, spec_path = self._object(item, path, "AlertNotificationTarget")
        return self._owned(document, lambda: self._target(name, spec, spec_path))

    def _target(self, name: str, spec: dict[str, Any], path: str) -> str:
        known(spec, {"description", "target"}, path, "an AlertNotificationTarget")
        target = string(spec.get("target"), f"{path}.target")
        return name or target


def _flag(spec: dict[str, Any], key: str, path: str, *, supported: bool | None, why: str) -> None:
    value = spec.get(key)
    if value is None:
        return
    if not isinstance(value, bool):
        raise Invalid(f"{path}.{key}", "must be true or false")
    if supported is not None and value is not supported:
        raise Invalid(f"{path}.{key}", f"{str(value).lower()} is not supported: {why}")


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(path, "must be a list")
    return value


def _duration(value: Any, path: str) -> timedelta:
    match = _LOOKBACK.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or int(match[1]) == 0:
        raise Invalid(path, f"must be a duration in m, h, d or w, like 5m or 1h, got {value!r}")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})
