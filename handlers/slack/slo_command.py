"""`/slo list|show|digest`: SLO status in Slack, read from stored evaluations."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.config.schema import OncallConfig
from bot.errors import UsageError, UserError
from bot.permissions import Action, Permissions
from bot.slo import digest
from bot.slo.history import budget_series, latest_reports
from bot.slo.models import find_slo
from bot.slo.presentation import slo_list_text, slo_show_text
from bot.unit_of_work import Begin
from handlers.slack.parsing import sub_command
from storage.types import utcnow

ACTIONS = ("list", "show", "digest", "help")
USAGE = "`/slo list` · `/slo show <name>` · `/slo digest` (posts the weekly digest here now)"


def parse(text: str) -> tuple[str, str]:
    """`/slo <action> <rest>` as (action, rest); no action is help, an unknown one is refused."""
    return sub_command(text, command="/slo", known=ACTIONS, usage=USAGE)


async def handle_slo_command(
    ack: AsyncAck, command: dict[str, Any], begin: Begin, config: OncallConfig, permissions: Permissions
) -> None:
    try:
        action, rest = parse(command.get("text", ""))
        if action == "digest":
            (await permissions.actor(command["user_id"])).require_admin(Action.SLO_DIGEST)
        reply = await _run(action, rest, command, begin, config)
    except UserError as exc:
        reply = str(exc)
    await ack(text=reply, response_type="ephemeral")


async def _run(action: str, rest: str, command: dict[str, Any], begin: Begin, config: OncallConfig) -> str:
    now = utcnow()
    if action == "list":
        async with begin.reading() as session:
            reports = await latest_reports(session, config.slos, now=now)
        return slo_list_text(reports)
    if action == "show":
        if not rest:
            raise UsageError(f"Name the SLO: `/slo show <name>`.\nUsage: {USAGE}")
        definition = find_slo(config.slos, rest.split()[0])
        async with begin.reading() as session:
            [report] = await latest_reports(session, [definition], now=now)
            history = await budget_series(session, definition, until=now)
        return slo_show_text(report, history)
    if action == "digest":
        if not config.slos:
            raise UserError("No SLOs are configured yet, so there is nothing to digest (see docs/slo.md).")
        async with begin() as (session, outbox):
            await digest.start_run(
                session, outbox, channel=command["channel_id"], end=now, digest_id=None, by=command.get("user_id")
            )
        return "The SLO digest is on its way to this channel."
    # Only help is left: parse() refused anything else.
    return f"*/slo* — service level objectives, error budgets and burn rates.\n{USAGE}"
