"""Operator templates render in a child process with a time and a memory limit.

Jinja2's sandbox stops a template from reaching Python's internals, not from looping for an hour or
building a gigabyte string; on the event loop either would stall every slash command. The child
sets its own limits before it reads the document, answers one JSON line, and is killed when late.
The document travels to the child as a pickle (we wrote it); what comes back is JSON (a template's
output is text, and the child ran someone else's code).
"""

from __future__ import annotations

import asyncio
import json
import pickle
import resource
import sys
from dataclasses import dataclass
from pathlib import Path

from bot import texts
from bot.errors import UserError
from bot.postmortem.document import Postmortem
from bot.postmortem.render import Format, TemplateFailed, render


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_mb: int


async def render_isolated(document: Postmortem, output: Format, template_dir: Path, limits: Limits) -> str:
    where = texts.postmortem.template(output.template, template_dir)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(limits.seconds):
            answer, _ = await process.communicate(pickle.dumps((document, output, template_dir, limits)))
    except TimeoutError:
        raise UserError(texts.postmortem.template_too_slow(where, limits.seconds)) from None
    finally:
        if process.returncode is None:  # late, or the caller went away: the child must not outlive the render
            process.kill()
            await process.wait()
    try:
        result = json.loads(answer)
    except ValueError:
        raise UserError(texts.postmortem.template_no_answer(where, process.returncode)) from None
    if "error" in result:
        raise UserError(texts.postmortem.template_failed(where, result["error"]))
    text: str = result["text"]
    return text


def _child() -> None:
    document, output, template_dir, limits = pickle.loads(sys.stdin.buffer.read())
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits.seconds) + 1  # a backstop: the parent kills it on time anyway
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        result = {"text": render(document, output, template_dir=template_dir)}
    except TemplateFailed as exc:
        result = {"error": exc.reason}
    except MemoryError:
        result = {"error": f"it needed more than {limits.memory_mb} MB (postmortem.memory_limit_mb)"}
    except Exception as exc:  # the operator's template, not our bug: say what it raised
        result = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    _child()
