"""Logging: one line per event, as JSON or console text, with secrets redacted."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.observability import log_context
from bot.settings import LogFormat, Settings

_SECRETS = re.compile(r"(xox[abpr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+\S+|eyJ[\w-]+\.[\w-]+\.[\w-]*)")
# One-time values in an address (Sign in with Slack's code and state, an old `/login?token=` link): an
# access log line quotes the whole address, and the code is worth a session until it is used.
_URL_SECRETS = re.compile(r"([?&](?:code|state|nonce|token)=)[^&\s\"']+")


class RedactingFilter(logging.Filter):
    """Keeps tokens, bearer credentials and every configured secret out of every log line and traceback."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Short values would redact ordinary words; real secrets are long.
        known = sorted({secret for secret in secrets if len(secret) >= 8}, key=len, reverse=True)
        self._known = re.compile("|".join(re.escape(secret) for secret in known)) if known else None

    def redact(self, text: str) -> str:
        text = _URL_SECRETS.sub(r"\1[redacted]", _SECRETS.sub("[redacted]", text))
        return self._known.sub("[redacted]", text) if self._known is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:  # a traceback can quote a request's headers or a connection string
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **log_context.current(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line)


class ConsoleFormatter(logging.Formatter):
    """One line for people: the event, then the context it happened in (`request_id=… incident=…`)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = log_context.current()
        if not fields:
            return line
        first, newline, rest = line.partition("\n")
        context = " ".join(f"{key}={value}" for key, value in fields.items())
        return f"{first} {context}{newline}{rest}"


def configure_logging(settings: Settings, *, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter(secrets))
    if settings.log_format is LogFormat.JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ConsoleFormatter("%(asctime)s %(levelname)-7s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # APScheduler logs every job run at INFO: once a second per replica says nothing an operator needs.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
