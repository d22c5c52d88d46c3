"""ONCALL_CONFIG: the operator's YAML file (alert routing, storm control, webhook credentials). Single values live
in bot/settings.py; docs/configuration.md documents each key; a mistake stops the bot in one line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator

from bot.config.alertmanagers import AlertmanagersConfig
from bot.config.alerts import AlertsConfig, StormConfig, UsergroupId, UserId, WebhooksConfig
from bot.config.heartbeats import HeartbeatConfig, HeartbeatsConfig, WatchdogConfig, check_watchdog
from bot.config.maintenance import MaintenanceConfig, check_mirrors
from bot.config.paging import EscalationPoliciesConfig, PolicyConfig
from bot.config.reports import ReportsConfig
from bot.config.retention import RetentionConfig
from bot.errors import SettingsError
from bot.permissions import Action
from bot.schedules.config import SchedulesConfig
from bot.slo.models import DigestConfig, SloDefinition
from bot.slo.openslo_files import load_openslo
from bot.values.cadence import local_start
from bot.values.fields import Duration, Strict
from storage.enums import Severity


class PostmortemConfig(Strict):
    # A folder with the operator's own postmortem.md.j2 / postmortem.html.j2 (either or both).
    template_dir: Path | None = None
    # An operator's template renders in a child process that is stopped past these (bot/postmortem/isolated.py).
    time_limit: Duration = timedelta(seconds=10)
    memory_limit_mb: int = Field(default=512, ge=128)

    @field_validator("template_dir")
    @classmethod
    def _is_folder(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        return value


DEFAULT_STATUS_UPDATE_AFTER = {
    Severity.SEV1: timedelta(minutes=15),
    Severity.SEV2: timedelta(minutes=30),
    Severity.SEV3: timedelta(hours=2),
    Severity.SEV4: timedelta(hours=8),
}


def _severity_keys(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    keys = {}
    for key, item in value.items():
        severity = Severity.parse(str(key))
        if severity is None:
            raise ValueError(f"{key!r} is not a severity (sev1..sev4)")
        keys[severity] = item
    return keys


class RemindersConfig(Strict):
    # How long an open incident may go without a status update or note before its channel is nudged.
    status_update_after: Annotated[dict[Severity, Duration], BeforeValidator(_severity_keys)] = Field(
        default_factory=lambda: dict(DEFAULT_STATUS_UPDATE_AFTER)
    )
    postmortem_due_after: Duration = timedelta(days=5)
    follow_up_hour: int = Field(default=9, ge=0, le=23)  # local hour follow-ups are reminded on (and daily after)
    check_every: Duration = timedelta(seconds=30)  # how often the scheduler looks for what is due: its precision
    # How long before a silence made from Slack ends its channel is told (docs/alert-actions.md).
    silence_warning: Duration = timedelta(minutes=15)


class RetroConfig(Strict):
    channel: str
    start: str
    cadence: Duration
    count: int | None = Field(default=None, ge=1)


class OutboxConfig(Strict):
    # Attempts at a Slack call that keeps failing for a passing reason (5xx, 429, timeouts) before
    # it is parked as dead; with backoff capped at 5 minutes, 20 attempts span about an hour.
    max_attempts: int = Field(default=20, ge=1)


class SloSettings(Strict):
    # How often every SLO is measured and its evaluation stored.
    evaluate_every: Duration = timedelta(minutes=5)
    # OpenSLO v1 files and directories of them (relative to this file's folder), read together, added to `slos:`.
    openslo: list[Path] = Field(default_factory=list)
    openslo_files: list[Path] = Field(default_factory=list)  # the old name of `openslo`, still read
    # The Prometheus an OpenSLO metric source uses when it names none.
    prometheus_url: str | None = None


class PermissionsConfig(Strict):
    """Who may do what; empty lists (the default) let everyone do everything."""

    admins: list[UserId] = Field(default_factory=list)
    admin_usergroup: UsergroupId | None = None
    # Only the incident's commander and the admins may do these.
    commander_only: list[Action] = Field(default_factory=list)
    # Only the admins may do these.
    admin_only: list[Action] = Field(default_factory=list)

    @model_validator(mode="after")
    def _someone_can(self) -> PermissionsConfig:
        if (self.commander_only or self.admin_only) and not (self.admins or self.admin_usergroup):
            raise ValueError("limits actions but names no admins: add admins or admin_usergroup")
        return self


class OncallConfig(Strict):
    @model_validator(mode="before")
    @classmethod
    def _empty_sections(cls, data: Any) -> Any:
        # `postmortem:` with every key commented out is YAML null: read it as "all defaults".
        if isinstance(data, dict):
            return {key: ({} if value is None else value) for key, value in data.items()}
        return data

    # IANA name; postmortems and reminders show and schedule local times in it.
    timezone: str = "UTC"
    postmortem: PostmortemConfig = Field(default_factory=PostmortemConfig)
    reminders: RemindersConfig = Field(default_factory=RemindersConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    retros: list[RetroConfig] = Field(default_factory=list)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    storm: StormConfig = Field(default_factory=StormConfig)
    webhooks: WebhooksConfig = Field(default_factory=WebhooksConfig)
    permissions: PermissionsConfig = Field(default_factory=PermissionsConfig)
    slo: SloSettings = Field(default_factory=SloSettings)
    slos: list[SloDefinition] = Field(default_factory=list)
    digests: list[DigestConfig] = Field(default_factory=list)
    # On-call schedules and paging (bot/schedules/config.py, bot/config/paging.py; docs/schedules.md, paging.md).
    schedules: SchedulesConfig = Field(default_factory=list)
    escalation_policies: EscalationPoliciesConfig = Field(default_factory=list)
    # Where silences are made (bot/config/alertmanagers.py; docs/alert-actions.md).
    alertmanagers: AlertmanagersConfig = Field(default_factory=list)
    # Heartbeats, Watchdog, maintenance windows (bot/config/heartbeats.py, maintenance.py; docs/alert-actions.md).
    heartbeats: HeartbeatsConfig = Field(default_factory=list)
    watchdog: WatchdogConfig | None = None
    maintenance: MaintenanceConfig = Field(default_factory=list)
    reports: ReportsConfig = Field(default_factory=list)  # operations reviews (bot/config/reports.py; docs/reports.md)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)  # bot/config/retention.py

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (like Europe/Madrid)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _retro_starts(self) -> OncallConfig:
        for index, retro in enumerate(self.retros):
            try:
                local_start(retro.start, self.zone)
            except ValueError as exc:
                raise ValueError(f"retros[{index}].start: {exc}") from None
        return self

    @model_validator(mode="after")
    def _route_schedules(self) -> OncallConfig:
        known = [schedule.name for schedule in self.schedules]
        for index, route in enumerate(self.alerts.routes):
            if route.oncall is not None and route.oncall.lower() not in {name.lower() for name in known}:
                fix = f"the schedules are {', '.join(known)}: fix the name or" if known else "none are configured:"
                where = f"alerts.routes[{index}].oncall"
                raise ValueError(f"{where}: {route.oncall!r} is not a schedule ({fix} add it under `schedules:`)")
            if route.escalation is not None and self.policy(route.escalation) is None:
                policies = ", ".join(policy.name for policy in self.escalation_policies) or "none are configured"
                raise ValueError(
                    f"alerts.routes[{index}].escalation: {route.escalation!r} is not an escalation policy"
                    f" (the policies: {policies}; add it under `escalation_policies:` or fix the name)"
                )
        return self

    @model_validator(mode="after")
    def _policies_name_schedules(self) -> OncallConfig:
        known = {schedule.name.lower() for schedule in self.schedules}
        for index, policy in enumerate(self.escalation_policies):
            for name in sorted(policy.schedules()):
                if name.lower() not in known:
                    raise ValueError(
                        f"escalation_policies[{index}] ({policy.name}) pages schedule:{name}, which is not a schedule:"
                        " add it under schedules, or fix the name"
                    )
        return self

    @model_validator(mode="after")
    def _watchdog_and_mirrors_exist(self) -> OncallConfig:
        check_watchdog(self.heartbeats, self.watchdog)
        check_mirrors(self.maintenance, [alertmanager.name for alertmanager in self.alertmanagers])
        return self

    def heartbeat(self, name: str) -> HeartbeatConfig | None:
        return next((heartbeat for heartbeat in self.heartbeats if heartbeat.name == name), None)

    def policy(self, name: str) -> PolicyConfig | None:
        return next((p for p in self.escalation_policies if p.name.lower() == name.strip().lower()), None)

    @model_validator(mode="after")
    def _unique_slo_names(self) -> OncallConfig:
        _check_unique_names(self.slos)
        return self


def _check_unique_names(slos: list[SloDefinition]) -> None:
    seen: set[str] = set()
    for slo in slos:
        if slo.name in seen:
            raise ValueError(f"slos: two SLOs are named {slo.name!r}; names must be unique")
        seen.add(slo.name)


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith("function-"):
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def parse_config(text: str, *, origin: str = "ONCALL_CONFIG", folder: Path | None = None) -> OncallConfig:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise SettingsError(f"{origin}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if data is None:
        return OncallConfig()
    if not isinstance(data, dict):
        raise SettingsError(f"{origin}: the top level must be a mapping of sections (alerts, reminders, retros, …)")
    try:
        config = OncallConfig.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(f"{origin}: {_first_error(exc)}") from None
    return _with_openslo(config, origin=origin, folder=folder or Path.cwd())


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    reason = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        reason = "is not a known setting (see docs/configuration.md)"
    if not error["loc"]:  # a check across sections names its keys itself
        return reason
    return f"{_location(error['loc'])} {reason}"


def _with_openslo(config: OncallConfig, *, origin: str, folder: Path) -> OncallConfig:
    """`slos:` plus the SLOs of the OpenSLO files the config names."""
    paths = [*config.slo.openslo, *config.slo.openslo_files]
    if not paths:
        return config
    loaded = [*config.slos, *load_openslo(paths, folder=folder, default_prometheus_url=config.slo.prometheus_url)]
    try:
        _check_unique_names(loaded)
    except ValueError as exc:
        raise SettingsError(f"{origin}: {exc}") from None
    return config.model_copy(update={"slos": loaded})


def load_config(path: Path | None) -> OncallConfig:
    """The operator's configuration, or the defaults when ONCALL_CONFIG is not set."""
    if path is None:
        return OncallConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"ONCALL_CONFIG {path}: cannot be read ({exc.strerror})") from None
    return parse_config(text, origin=f"ONCALL_CONFIG {path}", folder=path.parent)
