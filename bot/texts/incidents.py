"""`/incident …`: usage lines, refusals, and the ephemeral replies to each sub-command."""

from __future__ import annotations

from bot.texts.common import quoted, with_usage

USAGE = {
    "declare": "`/incident declare [--private] [--page <policy>] <title> [sev1..sev4] [oncall:<schedule>]`",
    "status": "`/incident status investigating|identified|monitoring|resolved [note]`",
    "severity": "`/incident severity sev1|sev2|sev3|sev4`",
    "assign": "`/incident assign commander|comms|scribe @person`",
    "note": "`/incident note <text>`",
    "summary": "`/incident summary <text>`",
    "impact": "`/incident impact <text>`",
    "service": "`/incident service <name>` (the service whose SLOs it affects)",
    "resolve": "`/incident resolve [note]`",
    "page": "`/incident page <policy|schedule|@person> [message]`",
    "ack": "`/incident ack` (stops the paging)",
    "update": "`/incident update` (a form: status, severity and what changed)",
    "postmortem": "`/incident postmortem`",
    "close": "`/incident close`",
    "followup": "`/incident followup add <text> [@owner] [due:YYYY-MM-DD]` · `followup list` · `followup done <n>`",
    "list": "`/incident list`",
    "timeline": "`/incident timeline`",
    "help": "`/incident help`",
}


def usage(name: str, problem: str) -> str:
    """A malformed sub-command: what is wrong, then how it is written."""
    return with_usage(problem, USAGE[name])


# Parsing the command


def not_an_incident_command(name: str) -> str:
    return f"{quoted(name)} is not an /incident command. Try `/incident help`."


def not_a_status(word: str) -> str:
    return f"{quoted(word)} is not a status."


def not_a_severity(words: str) -> str:
    return f"{quoted(words)} is not a severity."


def not_a_role(word: str) -> str:
    return f"{quoted(word)} is not a role."


ONE_ONCALL_SCHEDULE = "Name one schedule after `oncall:`, like `oncall:payments`."
NAME_ONE_PERSON = "Name one person with an @-mention."
NOTE_IS_EMPTY = "The note is empty."


def field_is_empty(field: str) -> str:
    return f"The {field} is empty."


# Which incident


def no_such_incident(ref: str) -> str:
    """`ref` as the person wrote it (quoted) or as the bot names it (`INC-12`)."""
    return f"There is no incident {ref}. See open ones with `/incident list`."


def no_such_incident_here(ref: str) -> str:
    """A web page or a document asked for by number: no command to suggest."""
    return f"There is no incident {ref}."


NOT_AN_INCIDENT_CHANNEL = (
    "This channel is not an incident channel. Name the incident, e.g. `/incident status INC-12 monitoring`."
)


# Refusals of a change


def not_open(ref: str, status: str) -> str:
    return f"{ref} is {status}. Reopen it with `/incident status {ref} investigating`."


def empty_text(what: str) -> str:
    return f"The {what} is empty: write it after the command."


CLOSED_BY_POSTMORTEM = "Incidents are closed once their postmortem is reviewed, not with `status`."


def closed_for_good(ref: str) -> str:
    return f"{ref} is closed; declare a new incident instead."


def already(ref: str, state: str) -> str:
    """Already at that status or severity, already resolved or closed."""
    return f"{ref} is already {state}."


def already_has_role(user: str, role: str, ref: str) -> str:
    return f"<@{user}> is already the {role} of {ref}."


NOTHING_CHANGED = "Nothing changed: pick another status or severity, or write what changed."
NOT_A_SERVICE_NAME = "A service name is one lower-case word, like `checkout`."


# Replies


def declare_form_failed(error: str) -> str:
    return f"Could not open the declare form ({error}). Try `/incident declare <title> [sev1..sev4]`."


def update_form_failed(error: str) -> str:
    return f"Could not open the update form ({error}). Use `/incident status …` or `/incident severity …`."


def status_is_now(ref: str, status: str) -> str:
    return f"{ref} is now *{status}*."


def severity_is_now(ref: str, severity: str) -> str:
    return f"{ref} is now *{severity}*."


def resolved(ref: str) -> str:
    return f"{ref} is resolved. :white_check_mark:"


def role_assigned(user: str, role: str, ref: str) -> str:
    return f"<@{user}> is now the {role} of {ref}."


def note_added(ref: str) -> str:
    return f"Note added to {ref}."


def field_updated(field: str, ref: str) -> str:
    return f"{field.capitalize()} of {ref} updated."


def closed(ref: str) -> str:
    return f"{ref} is closed. :lock:"
