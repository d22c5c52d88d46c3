"""Heartbeats: the alert raised for a silent one, and the replies of `/alert heartbeats [pause|resume <name>]`."""

from __future__ import annotations

from collections.abc import Sequence

from bot.texts.common import quoted, with_usage

USAGE = "`/alert heartbeats` (list them), `/alert heartbeats pause <name>`, `/alert heartbeats resume <name>`"


def alert_summary(name: str, timeout: str) -> str:
    return f"Heartbeat {name} is silent: no beat for more than {timeout}"


def alert_description(name: str, timeout: str) -> str:
    return (
        f"Nothing has checked in at POST /webhooks/heartbeat/{name} (or Alertmanager's Watchdog, if it beats this "
        f"heartbeat) for more than {timeout}. The next beat resolves this alert."
    )


def unknown(name: str, known: Sequence[str]) -> str:
    names = ", ".join(known) if known else "none are configured (add them under heartbeats: in ONCALL_CONFIG)"
    return f"There is no heartbeat {quoted(name)}; heartbeats: {names}"


def usage(problem: str) -> str:
    return with_usage(problem, USAGE)


def not_a_verb(word: str) -> str:
    return usage(f"{quoted(word)} is not something heartbeats do: pause or resume.")


def name_needed(verb: str) -> str:
    return usage(f"Say which heartbeat to {verb}.")


def paused(name: str, by: str) -> str:
    return f":double_vertical_bar: Heartbeat *{name}* is paused by <@{by}>: its silence raises nothing until resumed."


def already_paused(name: str) -> str:
    return f"Heartbeat *{name}* is already paused."


def resumed(name: str, by: str, timeout: str) -> str:
    return (
        f":arrow_forward: Heartbeat *{name}* is resumed by <@{by}>: silent for {timeout} from now, it raises an alert."
    )


def not_paused(name: str) -> str:
    return f"Heartbeat *{name}* is not paused."


def none_configured() -> str:
    return "No heartbeats are configured: add them under `heartbeats:` in ONCALL_CONFIG (docs/alert-actions.md)."


def state_line(name: str, timeout: str, state: str, last_beat: str) -> str:
    return f"• *{name}* (every {timeout}): {state}; last beat {last_beat}"


RAISED = ":red_circle: silent, alert raised"
PAUSED = ":double_vertical_bar: paused"
BEATING = ":large_green_circle: beating"
NOT_SEEN = "not watched yet (the bot has not restarted since it was configured)"
NEVER = "never"
