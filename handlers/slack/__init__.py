"""Slack listeners, registered on bolt's AsyncApp."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from bot.alertmanager.client import AlertmanagerClient
from bot.alerts.actions import ACK_ACTION as ALERT_ACK_ACTION
from bot.alerts.actions import EXPIRE_NOTE_ACTION, SILENCE_FORM_ACTION, SILENCE_HOUR_ACTION
from bot.config.schema import OncallConfig
from bot.heartbeats.service import Heartbeats
from bot.incidents.messaging import RESOLVE_ACTION, SEVERITY_ACTION, STATUS_ACTION
from bot.maintenance.service import Maintenance
from bot.paging.blocks import ACK_ACTION, ESCALATE_ACTION
from bot.permissions import Permissions
from bot.schedules.blocks import COVER_ACTION
from bot.schedules.catalog import Catalog
from bot.slack.gateway import SlackGateway
from bot.timeline.service import Recorder
from bot.unit_of_work import Begin
from handlers.slack import actions, alert_buttons, events, modals, paging, silence_form
from handlers.slack.alert_command import EXPIRE_ACTION, handle_alert_command, handle_expire_click
from handlers.slack.context import provide
from handlers.slack.errors import handle_error
from handlers.slack.incident_command import handle_incident_command
from handlers.slack.messages import RecordMessages
from handlers.slack.oncall_command import handle_cover_accept, handle_oncall_command
from handlers.slack.replays import RefuseReplays
from handlers.slack.report_command import handle_report_command
from handlers.slack.retro_command import handle_retro_command
from handlers.slack.slo_command import handle_slo_command

FOLLOW_UP_SHORTCUT = "followup"
# The slash commands the bot answers: the closed set a command metric may be labelled with.
COMMANDS = {
    "/incident": handle_incident_command,
    "/retro": handle_retro_command,
    "/slo": handle_slo_command,
    "/oncall": handle_oncall_command,
    "/alert": handle_alert_command,
    "/report": handle_report_command,
}


def build_bolt(
    *,
    signing_secret: str,
    begin: Begin,
    gateway: SlackGateway,
    config: OncallConfig,
    permissions: Permissions,
    alertmanager: AlertmanagerClient,
    heartbeats: Heartbeats,
    catalog: Catalog,
    maintenance: Maintenance,
) -> AsyncApp:
    """Bolt with request verification on; our aiohttp app serves it, so `start()` is never called."""
    app = AsyncApp(
        client=gateway.client,  # one Web API client for the process; only bot/slack builds it
        signing_secret=signing_secret,
        # Store before answering: a 2xx must mean the event or command is in the database.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )
    # Listeners raise what the person should read; this answers it where they asked (handlers/slack/errors.py).
    app.error(handle_error)
    # One per app: it gathers the timeline events that arrive together into one transaction.
    recorder = Recorder(begin)
    app.use(RecordMessages(recorder))  # first: a message needs none of the rest
    app.use(RefuseReplays(begin))
    app.use(provide(begin, gateway, config, permissions, alertmanager, heartbeats, catalog, maintenance, recorder))
    for command, listener in COMMANDS.items():
        app.command(command)(listener)
    app.event(re.compile(r"^(reaction_added|reaction_removed|pin_added|pin_removed)$"))(events.handle_highlight_event)
    app.event("member_joined_channel")(events.handle_member_joined_event)
    app.event("member_left_channel")(events.handle_member_left_event)
    app.event("app_home_opened")(events.handle_app_home_opened_event)
    app.action(STATUS_ACTION)(actions.handle_status_action)
    app.action(SEVERITY_ACTION)(actions.handle_severity_action)
    app.action(RESOLVE_ACTION)(actions.handle_resolve_action)
    app.action(COVER_ACTION)(handle_cover_accept)
    app.action(EXPIRE_ACTION)(handle_expire_click)
    app.action(ALERT_ACK_ACTION)(alert_buttons.handle_acknowledge_click)
    app.action(SILENCE_HOUR_ACTION)(alert_buttons.handle_silence_hour_click)
    app.action(SILENCE_FORM_ACTION)(alert_buttons.handle_silence_form_click)
    app.action(EXPIRE_NOTE_ACTION)(handle_expire_click)  # the same as `/alert silences`' Expire
    app.view(silence_form.CALLBACK)(alert_buttons.handle_silence_form_submission)
    app.action(ACK_ACTION)(paging.handle_acknowledge_click)
    app.action(ESCALATE_ACTION)(paging.handle_escalate_click)
    app.view(modals.DECLARE_CALLBACK)(actions.handle_declare_submission)
    app.view(modals.UPDATE_CALLBACK)(actions.handle_update_submission)
    app.shortcut(FOLLOW_UP_SHORTCUT)(actions.handle_follow_up_shortcut)
    app.shortcut(modals.ADD_TO_TIMELINE_CALLBACK)(actions.handle_add_to_timeline_shortcut)
    app.view(modals.ADD_TO_TIMELINE_CALLBACK)(actions.handle_add_to_timeline_submission)
    return app
