"""The `alertmanagers:` section of ONCALL_CONFIG: where `/alert silence` makes its silences.

bot/config/schema.py adds it as `alertmanagers: AlertmanagersConfig`; docs/alert-actions.md documents it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from bot.values.fields import Strict, unique_names

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")


class BasicAuth(Strict):
    username: str = Field(min_length=1)
    password: str = Field(min_length=1)


class AlertmanagerConfig(Strict):
    name: str
    # The base URL, without /api/v2: Grafana's Alertmanager is at …/api/alertmanager/grafana.
    url: str
    bearer_token: str | None = None
    basic_auth: BasicAuth | None = None

    @field_validator("name")
    @classmethod
    def _short_name(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not an Alertmanager name: letters, digits, - and _")
        return name

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            raise ValueError(f"{url[:80]!r} is not an http(s) URL, like http://alertmanager:9093")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _one_credential(self) -> AlertmanagerConfig:
        if self.bearer_token and self.basic_auth:
            raise ValueError(f"alertmanager {self.name}: give bearer_token or basic_auth, not both")
        return self


AlertmanagersConfig = Annotated[list[AlertmanagerConfig], AfterValidator(unique_names("alertmanagers"))]
