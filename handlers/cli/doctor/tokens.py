"""Doctor: the Slack settings, judged by their shape before Slack is asked anything.

Slack's tokens say what they are in their prefix (https://api.slack.com/authentication/token-types):
`xoxb-` bot, `xapp-` app-level (Socket Mode), `xoxp-` user. A value in the wrong setting is the most
common install mistake, and Slack's answer to it (`invalid_auth`, `not_allowed_token_type`) does not say so.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.settings import Settings
from handlers.cli.doctor.findings import APPS_PAGE, Finding

Kind = Literal["bot", "app", "user", "other", "junk"]
KINDS: dict[str, Kind] = {"xoxb-": "bot", "xapp-": "app", "xoxp-": "user"}
NAMES = {"bot": "a bot token (xoxb-)", "app": "an app-level token (xapp-)", "user": "a user token (xoxp-)"}
BOT_TOKEN_FROM = f"the Bot User OAuth Token (xoxb-…) from OAuth & Permissions at {APPS_PAGE}"
APP_TOKEN_FROM = "an app-level token (xapp-…) made under Basic Information → App-Level Tokens with connections:write"
SIGNING_SECRET_FROM = "the Signing Secret from Basic Information → App Credentials"
_SIGNING_SECRET = re.compile(r"[0-9a-f]{32}")


def kind(token: str) -> Kind:
    for prefix, name in KINDS.items():
        if token.startswith(prefix):
            return name
    return "other" if re.match(r"xox[a-z]-", token) else "junk"


def _what(token: str) -> str:
    found = kind(token)
    if found in NAMES:
        return f"is {NAMES[found]}"
    if found == "other":
        return f"is a {token[:4]}- token, not one a bot runs with"
    if token != token.strip() or token[:1] in "\"'":
        return "has spaces or quotes around it"
    return "does not look like a Slack token"


def bot_token(settings: Settings) -> Finding:
    token = settings.slack_bot_token
    if not token:
        return Finding("SLACK_BOT_TOKEN", "FAIL", "not set", f"set it to {BOT_TOKEN_FROM}")
    if kind(token) == "bot":
        return Finding("SLACK_BOT_TOKEN", "ok", "a bot token (xoxb-)")
    if kind(token) == "app":
        detail = f"{_what(token)}: that one belongs in SLACK_APP_TOKEN"
        return Finding("SLACK_BOT_TOKEN", "FAIL", detail, f"set it to {BOT_TOKEN_FROM}")
    if kind(token) == "user":
        fix = f"the bot acts as itself: set it to {BOT_TOKEN_FROM}, not the User OAuth Token"
        return Finding("SLACK_BOT_TOKEN", "FAIL", _what(token), fix)
    return Finding("SLACK_BOT_TOKEN", "FAIL", _what(token), f"set it to {BOT_TOKEN_FROM}")


def app_token(settings: Settings) -> Finding | None:
    token = settings.slack_app_token
    if not token:
        return None
    if kind(token) == "app":
        return Finding("SLACK_APP_TOKEN", "ok", "an app-level token (xapp-): Slack checks it when `serve` connects")
    extra = ": that one belongs in SLACK_BOT_TOKEN" if kind(token) == "bot" else ""
    fix = f"set it to {APP_TOKEN_FROM}, or leave it empty for HTTP mode"
    return Finding("SLACK_APP_TOKEN", "FAIL", _what(token) + extra, fix)


def tokens(settings: Settings) -> list[Finding]:
    """SLACK_BOT_TOKEN and SLACK_APP_TOKEN: one line each, or one for the pair when they are swapped."""
    bot, app = settings.slack_bot_token, settings.slack_app_token
    if bot and app and kind(bot) == "app" and kind(app) == "bot":
        fix = "swap them: SLACK_BOT_TOKEN=xoxb-…, SLACK_APP_TOKEN=xapp-…"
        detail = "SLACK_BOT_TOKEN holds the app-level token and SLACK_APP_TOKEN the bot token"
        return [Finding("Slack tokens", "FAIL", detail, fix)]
    found = [bot_token(settings)]
    app_finding = app_token(settings)
    return found + ([app_finding] if app_finding else [])


def signing_secret(settings: Settings) -> Finding:
    secret = settings.slack_signing_secret
    socket_mode = bool(settings.slack_app_token)
    if not secret:
        if socket_mode:
            return Finding("SLACK_SIGNING_SECRET", "ok", "not needed in Socket Mode")
        fix = f"set it to {SIGNING_SECRET_FROM}, or use Socket Mode (SLACK_APP_TOKEN)"
        return Finding("SLACK_SIGNING_SECRET", "FAIL", "not set: HTTP mode verifies every Slack request with it", fix)
    if kind(secret) != "junk":
        fix = f"set it to {SIGNING_SECRET_FROM}"
        return Finding("SLACK_SIGNING_SECRET", "FAIL", f"{_what(secret)}, not the signing secret", fix)
    if socket_mode:
        return Finding("SLACK_SIGNING_SECRET", "ok", "set, unused in Socket Mode")
    if not _SIGNING_SECRET.fullmatch(secret):
        fix = "Slack's Signing Secret is 32 hexadecimal characters: copy it again from Basic Information"
        return Finding("SLACK_SIGNING_SECRET", "warn", "set, but not shaped like a Slack signing secret", fix)
    return Finding("SLACK_SIGNING_SECRET", "ok", "set")


def mode(settings: Settings) -> Finding:
    if settings.slack_app_token:
        detail = "Socket Mode: the bot dials out to Slack, no public address needed"
    else:
        listens = f"{settings.host}:{settings.port}"
        detail = f"HTTP: Slack posts to <public address>/slack/events; `serve` listens on {listens}"
    return Finding("mode", "ok", detail)


def settings_findings(settings: Settings) -> list[Finding]:
    found = [*tokens(settings), signing_secret(settings)]
    if settings.webhook_token:
        found.append(Finding("WEBHOOK_TOKEN", "ok", "set: alert webhooks and the API accept it"))
    else:
        fix = "set it to a long random string and give it to your alerting systems as a bearer token"
        found.append(Finding("WEBHOOK_TOKEN", "warn", "not set: alert webhooks and the API refuse everything", fix))
    found.append(mode(settings))
    return found
