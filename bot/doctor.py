"""`oncall-bot doctor`: check settings, ONCALL_CONFIG, the database, the Slack token and its scopes.

Every check prints one line (`ok`, `warn` or `FAIL`) and, when something is wrong, how to fix it. The
checks after a failed one still run where they can, so one run lists everything to fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import aiohttp
from sqlalchemy.exc import SQLAlchemyError

from bot.config import OncallConfig, load_config
from bot.errors import OncallError, SlackError
from bot.settings import Settings
from bot.slack.gateway import SlackGateway, build_client
from bot.slack.scopes import REQUIRED_SCOPES
from bot.slo.models import PrometheusSource
from storage import migrate
from storage.engine import Database

Verdict = Literal["ok", "warn", "FAIL"]
APPS_PAGE = "https://api.slack.com/apps"


@dataclass(frozen=True)
class Finding:
    check: str
    verdict: Verdict
    detail: str
    fix: str = ""


def _settings(settings: Settings) -> list[Finding]:
    found = []
    for name, attribute, why in (
        ("SLACK_BOT_TOKEN", "slack_bot_token", "the Bot User OAuth Token (xoxb-…) from OAuth & Permissions"),
        ("SLACK_SIGNING_SECRET", "slack_signing_secret", "the Signing Secret from Basic Information"),
    ):
        if getattr(settings, attribute):
            found.append(Finding(name, "ok", "set"))
        else:
            found.append(Finding(name, "FAIL", "not set", f"set {name} to {why} at {APPS_PAGE}"))
    if settings.webhook_token:
        found.append(Finding("WEBHOOK_TOKEN", "ok", "set: alert webhooks and the API accept it"))
    else:
        found.append(
            Finding(
                "WEBHOOK_TOKEN",
                "warn",
                "not set: alert webhooks and the API refuse everything",
                "set it to a long random string and give it to your alerting systems as a bearer token",
            )
        )
    mode = "Socket Mode" if settings.slack_app_token else f"HTTP on {settings.host}:{settings.port}/slack/events"
    found.append(Finding("mode", "ok", mode))
    return found


def _config(settings: Settings) -> tuple[OncallConfig | None, Finding]:
    where = str(settings.oncall_config) if settings.oncall_config else "not set, defaults apply"
    try:
        config = load_config(settings.oncall_config)
    except OncallError as exc:
        return None, Finding("ONCALL_CONFIG", "FAIL", str(exc), "fix the key it names (docs/configuration.md)")
    counts = f"{len(config.alerts.routes)} routes, {len(config.slos)} SLOs, {len(config.digests)} digests"
    return config, Finding("ONCALL_CONFIG", "ok", f"{where}: {counts}")


async def _database(settings: Settings) -> Finding:
    database = Database(settings.database_url)
    try:
        current = await asyncio.wait_for(migrate.is_current(database), timeout=10)
    except (OSError, SQLAlchemyError, TimeoutError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Finding("database", "FAIL", f"unreachable ({reason})", "check DATABASE_URL and that the server runs")
    finally:
        await database.dispose()
    if not current:
        return Finding("database", "FAIL", "migrations pending", "run `oncall-bot db upgrade` (serve does it too)")
    return Finding("database", "ok", f"reachable, at migration {migrate.head_revision()}")


async def _slack(settings: Settings, config: OncallConfig | None) -> list[Finding]:
    if not settings.slack_bot_token:
        return []
    gateway = SlackGateway(build_client(token=settings.slack_bot_token, base_url=settings.slack_api_url))
    try:
        try:
            identity, scopes = await gateway.granted_scopes()
        except SlackError as exc:
            fix = "copy the Bot User OAuth Token again; reinstall the app if it was revoked"
            return [Finding("slack token", "FAIL", f"auth.test: {exc.error}", fix)]
        found = [Finding("slack token", "ok", f"workspace {identity.get('team')} as @{identity.get('user')}")]
        missing = sorted(set(REQUIRED_SCOPES) - scopes)
        if missing:
            needs = "; ".join(f"{scope} ({REQUIRED_SCOPES[scope]})" for scope in missing)
            fix = "add them from manifest.yml under OAuth & Permissions, then reinstall the app"
            found.append(Finding("slack scopes", "FAIL", f"missing {needs}", fix))
        else:
            found.append(Finding("slack scopes", "ok", f"all {len(REQUIRED_SCOPES)} granted"))
        found.append(await _announce_channel(gateway, settings.announce_channel))
        return found
    finally:
        await gateway.close()


async def _announce_channel(gateway: SlackGateway, channel: str) -> Finding:
    is_id = channel[:1] in ("C", "G") and channel.isupper()
    channel = channel if is_id or channel.startswith("#") else f"#{channel}"
    try:
        await gateway.resolve_channel(channel)
    except SlackError:
        fix = f"create {channel} in Slack, or set ANNOUNCE_CHANNEL to an existing channel"
        return Finding("ANNOUNCE_CHANNEL", "FAIL", f"{channel} does not exist", fix)
    return Finding("ANNOUNCE_CHANNEL", "ok", f"{channel} exists")


async def _prometheus(config: OncallConfig | None) -> list[Finding]:
    urls = sorted(
        {slo.source.url for slo in (config.slos if config else []) if isinstance(slo.source, PrometheusSource)}
    )
    found = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        for url in urls:
            try:
                async with http.get(f"{url}/api/v1/query", params={"query": "1"}) as response:
                    ok = response.status == 200
                    detail = f"{url} answers" if ok else f"{url} answered HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                ok, detail = False, f"{url} is unreachable ({type(exc).__name__})"
            fix = "" if ok else "the SLOs reading it will show no data until it answers"
            found.append(Finding("prometheus", "ok" if ok else "FAIL", detail, fix))
    return found


async def diagnose(load_settings: Callable[[], Settings]) -> list[Finding]:
    try:
        settings = load_settings()
    except OncallError as exc:
        return [Finding("settings", "FAIL", str(exc), "see .env.example for every setting")]
    found = _settings(settings)
    config, config_finding = _config(settings)
    found.append(config_finding)
    found.append(await _database(settings))
    found += await _slack(settings, config)
    found += await _prometheus(config)
    return found


def report(findings: list[Finding]) -> tuple[str, int]:
    """The printout, and the exit code: 1 when anything failed."""
    width = max(len(finding.check) for finding in findings)
    lines = []
    for finding in findings:
        lines.append(f"{finding.verdict:<4}  {finding.check:<{width}}  {finding.detail}")
        if finding.fix and finding.verdict != "ok":
            lines.append(f"{'':<4}  {'':<{width}}  → {finding.fix}")
    failed = sum(finding.verdict == "FAIL" for finding in findings)
    lines.append("all good" if not failed else f"{failed} problem{'s' if failed > 1 else ''} to fix")
    return "\n".join(lines), 1 if failed else 0
