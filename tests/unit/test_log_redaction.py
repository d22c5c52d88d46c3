"""No secret the bot was given reaches a log line, a JSON log's exception, or a console traceback."""

from __future__ import annotations

import io
import json
import logging

from bot.config.schema import parse_config
from bot.config.secrets import known_secrets
from bot.observability.logs import JsonFormatter, RedactingFilter
from bot.settings import Settings

WEBHOOK_TOKEN = "wh-0123456789abcdef"
GRAFANA_TOKEN = "grafana-token-42424242"


def settings() -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token="xoxb-1111-2222-secretbot",
        slack_signing_secret="signing-secret-abcdef0123",
        webhook_token=WEBHOOK_TOKEN,
        database_url="postgresql+asyncpg://oncall:db-password-987@db:5432/oncall",
    )


def logger_writing_to(stream: io.StringIO, formatter: logging.Formatter) -> logging.Logger:
    config = parse_config(f"webhooks:\n  tokens:\n    grafana: {GRAFANA_TOKEN}\n")
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(known_secrets(settings(), config)))
    handler.setFormatter(formatter)
    logger = logging.getLogger("oncall.test-redaction")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger


def test_every_configured_secret_is_redacted_from_messages_and_tracebacks() -> None:
    stream = io.StringIO()
    log = logger_writing_to(stream, logging.Formatter("%(message)s"))

    log.info("webhook token %s and grafana %s", WEBHOOK_TOKEN, GRAFANA_TOKEN)
    log.info("connecting to postgresql://oncall:db-password-987@db:5432/oncall")
    try:
        raise RuntimeError("signing secret signing-secret-abcdef0123 leaked into an error")
    except RuntimeError:
        log.exception("failed with Authorization: Bearer xoxb-1111-2222-secretbot")

    written = stream.getvalue()
    for secret in (WEBHOOK_TOKEN, GRAFANA_TOKEN, "db-password-987", "signing-secret-abcdef0123", "secretbot"):
        assert secret not in written
    assert written.count("[redacted]") >= 5
    assert "RuntimeError" in written  # the traceback itself is kept


def test_json_logs_keep_the_redacted_traceback() -> None:
    stream = io.StringIO()
    log = logger_writing_to(stream, JsonFormatter())

    try:
        raise ValueError(f"bad token {WEBHOOK_TOKEN}")
    except ValueError:
        log.exception("webhook.failed")

    line = json.loads(stream.getvalue())
    assert "ValueError: bad token [redacted]" in line["exception"]


def test_short_values_are_not_taken_for_secrets() -> None:
    redacting = RedactingFilter(["abc", "longer-secret-value"])

    assert redacting.redact("abc longer-secret-value") == "abc [redacted]"


def test_one_time_values_in_addresses_and_id_tokens_are_redacted() -> None:
    """An access log line quotes the whole address: Sign in with Slack's code and state, or an old ?token= link."""
    redacting = RedactingFilter([])
    line = '"GET /auth/slack/callback?code=1234.abcd&state=Zm9v-bar_1 HTTP/1.1" 303'
    assert redacting.redact(line) == '"GET /auth/slack/callback?code=[redacted]&state=[redacted] HTTP/1.1" 303'
    assert redacting.redact("/login?token=web-token-0123") == "/login?token=[redacted]"
    assert redacting.redact("/?q=payments&page=2") == "/?q=payments&page=2"  # other queries are kept
    assert redacting.redact("id_token eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl") == "id_token [redacted]"


def test_the_client_secret_is_a_known_secret() -> None:
    with_sign_in = settings().model_copy(update={"slack_client_secret": "client-secret-0123456789"})
    assert "client-secret-0123456789" in known_secrets(with_sign_in, parse_config(""))


def test_routing_keys_and_the_webhook_secret_are_known_secrets() -> None:
    """A routing key lets anyone page the service's people; the secret lets anyone forge a page."""
    with_pagers = settings().model_copy(update={"paging_webhook_secret": "webhook-secret-0123456789"})
    config = parse_config(
        "escalation_policies:\n  - name: phones\n    steps:\n"
        "      - pagerduty: R0123456789ABCDEF0123456789ABCDE\n        webhook: https://pager.example.com/page\n"
    )
    found = known_secrets(with_pagers, config)
    assert "R0123456789ABCDEF0123456789ABCDE" in found and "webhook-secret-0123456789" in found
