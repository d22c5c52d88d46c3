"""Every secret the bot was given, gathered from the settings and the config file so logs can redact them.

It lives beside the config, not in bot/observability, so the logging code needs no config schema (which
reaches into the domains) and observability stays a leaf every package may use.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from bot.config.schema import OncallConfig
from bot.errors import SettingsError
from bot.settings import Settings


def known_secrets(settings: Settings, config: OncallConfig) -> list[str]:
    """Every secret the bot was given, so none is ever written to a log."""
    values = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.webhook_token,
        settings.web_token,
        settings.slack_client_secret,
        *config.webhooks.tokens.values(),
        *config.webhooks.pagerduty.secrets,
        *(a.bearer_token for a in config.alertmanagers),
        *(a.basic_auth.password for a in config.alertmanagers if a.basic_auth),
        settings.paging_webhook_secret,
        # A routing key lets anyone page the service's on-call people.
        *(key for policy in config.escalation_policies for key in policy.routing_keys()),
    ]
    password = make_url(settings.database_url).password
    return [value for value in (*values, password) if value]


def require_webhook_secret(settings: Settings, config: OncallConfig) -> None:
    """A policy with a webhook signs its deliveries: without the key, stop before anything starts."""
    if settings.paging_webhook_secret:
        return
    for policy in config.escalation_policies:
        if policy.has_webhook():
            raise SettingsError(
                f"PAGING_WEBHOOK_SECRET is required: escalation policy {policy.name} has a webhook, whose deliveries"
                " are signed with it (set a long random string, see .env.example)"
            )
