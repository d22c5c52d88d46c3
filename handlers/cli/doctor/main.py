"""`oncall-bot doctor`: check settings, ONCALL_CONFIG, the database, Slack (tokens, scopes, channels), Prometheus.

Every check prints one line (`ok`, `warn` or `FAIL`) and, when something is wrong, how to fix it. The
checks after a failed one still run where they can, so one run lists everything to fix. It changes
nothing: a database that does not exist yet stays that way (`serve` creates it).
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from bot.config.schema import OncallConfig, load_config
from bot.errors import OncallError
from bot.settings import Settings
from bot.slo.models import PrometheusSource
from handlers.cli.doctor.database import database_finding
from handlers.cli.doctor.findings import Finding, report
from handlers.cli.doctor.slack import slack_findings
from handlers.cli.doctor.tokens import kind, settings_findings

__all__ = ["Finding", "diagnose", "report"]


def _config(settings: Settings) -> tuple[OncallConfig | None, Finding]:
    where = str(settings.oncall_config) if settings.oncall_config else "not set, defaults apply"
    try:
        config = load_config(settings.oncall_config)
    except OncallError as exc:
        return None, Finding("ONCALL_CONFIG", "FAIL", str(exc), "fix the key it names (docs/configuration.md)")
    counts = f"{len(config.alerts.routes)} routes, {len(config.slos)} SLOs, {len(config.digests)} digests"
    return config, Finding("ONCALL_CONFIG", "ok", f"{where}: {counts}")


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
    found = settings_findings(settings)
    config, config_finding = _config(settings)
    found.append(config_finding)
    found.append(await database_finding(settings))
    # A token of the wrong kind is already named above; asking Slack with it would only add confusion.
    if settings.slack_bot_token and kind(settings.slack_bot_token) == "bot":
        found += await slack_findings(settings, config)
    found += await _prometheus(config)
    return found
