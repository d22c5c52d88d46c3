"""Doctor: Slack itself. Can it be reached, does it take the token, its scopes, the channels the config names.

A network failure and a refused token need different fixes, so they are told apart: only Slack's
own answer (`invalid_auth`, …) blames the token.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from bot.config.schema import OncallConfig
from bot.errors import SlackError, SlackRejected
from bot.settings import Settings
from bot.slack.gateway import SlackGateway, build_client
from bot.slack.scopes import REQUIRED_SCOPES
from handlers.cli.doctor.findings import APPS_PAGE, Finding

REFUSED_TOKEN = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})
TIMEOUT_SECONDS = 10


def _network_reason(exc: BaseException | None, url: str) -> str:
    """What went wrong on the way to Slack, named as the operator would look for it."""
    host = urlsplit(url).hostname or url
    if isinstance(exc, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        return f"proxy: {exc} (check HTTPS_PROXY)"
    if isinstance(exc, aiohttp.ClientConnectorDNSError) or isinstance(getattr(exc, "os_error", None), socket.gaierror):
        return f"DNS: {host} does not resolve"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return f"TLS: the certificate of {host} is not trusted ({type(exc).__name__})"
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, ConnectionRefusedError):
        return f"connection refused by {host}:{exc.port}"
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return f"timeout: {host} did not answer within {TIMEOUT_SECONDS} s"
    if isinstance(exc, aiohttp.ClientError):
        return f"connection: {exc}"
    return ""


def _auth_failure(exc: SlackError, settings: Settings) -> Finding:
    if isinstance(exc, SlackRejected) and exc.error in REFUSED_TOKEN:
        fix = "copy the Bot User OAuth Token again (OAuth & Permissions); reinstall the app if it was revoked"
        return Finding("Slack token", "FAIL", f"Slack refused SLACK_BOT_TOKEN ({exc.error})", fix)
    if isinstance(exc, SlackRejected):
        return Finding("Slack token", "FAIL", f"auth.test: {exc.error}", f"see the app's settings at {APPS_PAGE}")
    reason = _network_reason(exc.__cause__, settings.slack_api_url)
    if not reason:  # Slack answered, but with an outage or a rate limit
        reason = f"Slack answered {exc.error}"
    fix = f"check the network, DNS, the proxy and SLACK_API_URL ({settings.slack_api_url}); the token was not tried"
    return Finding("Slack", "FAIL", f"cannot reach Slack: {reason}", fix)


@dataclass(frozen=True)
class NamedChannel:
    channel: str
    uses: list[str]


def named_channels(settings: Settings, config: OncallConfig | None) -> list[NamedChannel]:
    """Every channel the settings and ONCALL_CONFIG name, with what each is for."""
    uses: dict[str, list[str]] = {}

    def add(channel: str | None, use: str) -> None:
        if channel:
            name = channel if _is_id(channel) else "#" + channel.lstrip("#")
            uses.setdefault(name, []).append(use)

    add(settings.announce_channel, "ANNOUNCE_CHANNEL")
    if config is not None:
        # Without a webhook token no alert arrives, so the alerts channels are not in use yet.
        if settings.webhook_token or config.webhooks.tokens or config.webhooks.pagerduty.secrets:
            add(config.alerts.channel, "alerts.channel")
            for number, route in enumerate(config.alerts.routes):
                add(route.channel, f"alerts.routes[{number}].channel")
                add(route.announce_channel, f"alerts.routes[{number}].announce_channel")
        for number, retro in enumerate(config.retros):
            add(retro.channel, f"retros[{number}]")
        for number, digest in enumerate(config.digests):
            add(digest.channel, f"digests[{number}]")
    return [NamedChannel(channel, names) for channel, names in uses.items()]


def _is_id(channel: str) -> bool:
    return channel[:1] in ("C", "G") and channel.isupper() and channel.isalnum()


async def _channel(gateway: SlackGateway, named: NamedChannel) -> Finding:
    uses = ", ".join(named.uses)
    check = f"channel {named.channel}"
    try:
        found = await gateway.find_channel(named.channel.lstrip("#"))
    except SlackError as exc:
        fix = "the bot looks channels up with channels:read and groups:read (see Slack scopes)"
        return Finding(check, "FAIL", f"cannot be looked up ({exc.error}) for {uses}", fix)
    if found is None:
        fix = "create it in Slack (a private one: invite @oncall to it), or name another channel"
        return Finding(check, "FAIL", f"does not exist, or is private without the bot ({uses})", fix)
    if found.is_archived:
        return Finding(check, "FAIL", f"is archived ({uses})", "unarchive it in Slack, or name another channel")
    return Finding(check, "ok", f"exists, the bot can post ({uses})")


async def slack_findings(settings: Settings, config: OncallConfig | None) -> list[Finding]:
    """auth.test, the granted scopes, then every named channel; nothing past a failure that explains the rest."""
    gateway = SlackGateway(
        build_client(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=TIMEOUT_SECONDS)
    )
    try:
        try:
            identity, scopes = await gateway.granted_scopes()
        except SlackError as exc:
            return [_auth_failure(exc, settings)]
        found = [Finding("Slack token", "ok", f"workspace {identity.get('team')} as @{identity.get('user')}")]
        missing = sorted(set(REQUIRED_SCOPES) - scopes)
        if missing:
            needs = "; ".join(f"{scope} ({REQUIRED_SCOPES[scope]})" for scope in missing)
            fix = "add them under OAuth & Permissions (or create the app from `oncall-bot manifest`), then reinstall"
            found.append(Finding("Slack scopes", "FAIL", f"missing {needs}", fix))
        else:
            found.append(Finding("Slack scopes", "ok", f"all {len(REQUIRED_SCOPES)} granted"))
        for named in named_channels(settings, config):
            found.append(await _channel(gateway, named))
        return found
    finally:
        await gateway.close()
