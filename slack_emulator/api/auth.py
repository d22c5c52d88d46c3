"""auth.test and apps.connections.open: who the token is, and where Socket Mode connects."""

from __future__ import annotations

from typing import Any

from slack_emulator.api.core import ApiCore


class AuthApi(ApiCore):
    def auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://emulated.slack.com/",
            "team": "Emulated",
            "user": "oncall",
            "team_id": self.ws.team_id,
            "user_id": self.bot_user,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"{self.base_url().replace('http', 'ws', 1)}socket"}
