"""The layer rules of docs/architecture.md, read from every module's imports, so drift fails a test.

Imports are read from the source (ast), not by importing it: an import inside a function or under
`if TYPE_CHECKING` counts as much as one at the top, and nothing has to be importable to be checked.
Each rule also runs on a made-up module that breaks it, so no rule can pass by checking nothing.

`python tests/test_architecture.py` prints the import knot of bot's packages (see `test_the_import_knot`).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every tree of Python the project owns; .venv and build output are not ours.
TREES = ("bot", "handlers", "storage", "slack_emulator", "tests", "bench")
MAX_LINES = 400

# bot's subpackages that hold a domain: what the outbox, a plain pipe, must not know. Everything else in
# bot is core the outbox may use (NOT_DOMAINS and bot's plain modules: settings, errors, clock, …).
# A new subpackage must be put in one list or the other (test_every_bot_package_is_classified).
DOMAINS = frozenset(
    {
        "alertmanager",
        "alerts",
        "followups",
        "heartbeats",
        "maintenance",
        "paging",
        "pagers",
        "home",
        "incidents",
        "postmortem",
        "prometheus",
        "reminders",
        "reports",
        "retention",
        "schedules",
        "slo",
        "timeline",
        "web",
    }
)
# outbox is the pipe itself; config, observability and texts are shared by all; slack is the gateway the
# performers call through, beside the outbox in the layer picture.
NOT_DOMAINS = frozenset({"outbox", "config", "observability", "texts", "slack", "values"})


@dataclass(frozen=True)
class Import:
    line: int
    name: str  # dotted: `from a.b import c` is "a.b.c", so a rule can name a module or a name in it


@dataclass(frozen=True)
class Rule:
    text: str
    applies: Callable[[str], bool]  # to the importing module (dotted name)
    forbids: Callable[[str], bool]  # the imported name


def within(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def imports(source: str, module: str, *, is_package: bool = False) -> Iterator[Import]:
    """Every import in the source, wherever it is written; relative ones resolved against `module`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                anchor = parts if is_package else parts[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield Import(node.lineno, f"{base}.{alias.name}")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def python_files() -> list[Path]:
    return sorted(path for tree in TREES for path in (ROOT / tree).rglob("*.py"))


def _in_domain(name: str) -> bool:
    parts = name.split(".")
    return len(parts) > 1 and parts[0] == "bot" and parts[1] in DOMAINS


def _may_import_emulator(module: str) -> bool:
    # The fake Slack is for the demo, the emulator command, the tests and the benchmarks; never the product.
    return within(module, "slack_emulator", "handlers.cli.demo", "handlers.cli.emulator", "tests", "bench")


RULES = (
    Rule(
        "handlers parse and delegate; SQL belongs to storage/, behind bot's services",
        applies=lambda module: within(module, "handlers"),
        forbids=lambda name: within(name, "sqlalchemy", "sqlmodel", "storage"),
    ),
    Rule(
        "only bot/slack talks to Slack's Web API client; everything else goes through the outbox or the gateway",
        # tests, the benchmarks and the emulator play Slack's other side, so they are not held to it
        applies=lambda module: within(module, "bot", "handlers", "storage") and not within(module, "bot.slack"),
        forbids=lambda name: within(name, "slack_sdk.web", "slack_sdk.WebClient", "slack_sdk.AsyncWebClient"),
    ),
    Rule(
        "storage imports nothing of bot or handlers",
        applies=lambda module: within(module, "storage"),
        forbids=lambda name: within(name, "bot", "handlers"),
    ),
    Rule(
        "the outbox is a pipe: it imports no domain (each domain performs its own effects, see bot/outbox/registry.py)",
        applies=lambda module: within(module, "bot.outbox"),
        forbids=_in_domain,
    ),
    Rule(
        "bot never imports handlers (bot/app.py, the composition root, alone wires them in)",
        applies=lambda module: within(module, "bot") and module != "bot.app",
        forbids=lambda name: within(name, "handlers"),
    ),
    Rule(
        "only the demo, the emulator command, tests and bench import slack_emulator",
        applies=lambda module: not _may_import_emulator(module),
        forbids=lambda name: within(name, "slack_emulator"),
    ),
    Rule(
        "slack_emulator imports nothing of the product (scopes and the like are passed in)",
        applies=lambda module: within(module, "slack_emulator"),
        forbids=lambda name: within(name, "bot", "handlers", "storage"),
    ),
)


def violations(source: str, module: str, where: str, *, is_package: bool = False) -> list[str]:
    found = []
    for imported in imports(source, module, is_package=is_package):
        for rule in RULES:
            if rule.applies(module) and rule.forbids(imported.name):
                found.append(f"{where}:{imported.line} imports {imported.name} (rule: {rule.text})")
    return found


def too_long(source: str, module: str, where: str) -> list[str]:
    # Migrations are written once and never read as a whole. The emulator's web API is split by method
    # family (slack_emulator/api/), so it keeps the rule like the product.
    if not within(module, "bot", "handlers", "storage", "slack_emulator") or within(module, "storage.migrations"):
        return []
    lines = len(source.splitlines())
    if lines <= MAX_LINES:
        return []
    return [f"{where} has {lines} lines (rule: modules stay under {MAX_LINES} lines; split it by what it does)"]


def _each_module() -> Iterator[tuple[str, str, str, bool]]:
    for path in python_files():
        yield (
            path.read_text(encoding="utf-8"),
            module_name(path),
            str(path.relative_to(ROOT)),
            path.name == "__init__.py",
        )


def test_the_import_rules_hold() -> None:
    found = [
        line
        for source, module, where, package in _each_module()
        for line in violations(source, module, where, is_package=package)
    ]
    assert not found, "\n".join(found)


def test_no_module_is_too_long() -> None:
    found = [line for source, module, where, _ in _each_module() for line in too_long(source, module, where)]
    assert not found, "\n".join(found)


def test_every_bot_package_is_classified() -> None:
    packages = {path.parent.name for path in (ROOT / "bot").glob("*/__init__.py")}
    assert packages == DOMAINS | NOT_DOMAINS, "put each bot package in DOMAINS or NOT_DOMAINS of this test"


# Each rule catches what it names: a made-up module breaking it, and one keeping it.
BROKEN = [
    (
        "handlers.slack.actions",
        "from sqlalchemy.ext.asyncio import AsyncSession",
        "sqlalchemy.ext.asyncio.AsyncSession",
    ),
    ("handlers.health", "def f():\n    from storage import migrate", "storage.migrate"),
    ("handlers.api.slos", "import sqlmodel", "sqlmodel"),
    ("handlers.slack", "from slack_sdk.web.async_client import AsyncWebClient", "slack_sdk.web.async_client"),
    ("bot.incidents.lifecycle", "from slack_sdk import AsyncWebClient", "slack_sdk.AsyncWebClient"),
    ("storage.engine", "from bot.errors import StoreUnavailable", "bot.errors.StoreUnavailable"),
    ("storage.queries", "from ..handlers import x", "handlers.x"),
    (
        "bot.outbox.worker",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bot.incidents.models",
        "bot.incidents",
    ),
    ("bot.outbox.worker", "from bot import alerts", "bot.alerts"),
    ("bot.keys", "from handlers.jobs.runner import Scheduler", "handlers.jobs.runner.Scheduler"),
    ("bot.slo.evaluation", "import slack_emulator.server", "slack_emulator.server"),
    ("handlers.cli.main", "from slack_emulator import server", "slack_emulator.server"),
    ("slack_emulator.web_api", "from bot.slack.scopes import SCOPES", "bot.slack.scopes.SCOPES"),
]
KEPT = [
    ("handlers.slack.http", "from slack_sdk.signature import SignatureVerifier"),
    ("bot.slack.gateway", "from slack_sdk.web.async_client import AsyncWebClient"),
    ("bot.app", "from handlers import routes"),
    ("bot.outbox.worker", "from bot.observability import log_context\nfrom bot.config.schema import OncallConfig"),
    ("storage.engine", "from storage.errors import StoreUnavailable"),
    ("handlers.cli.demo.run", "from slack_emulator import server"),
    ("handlers.cli.emulator", "import slack_emulator"),
    ("tests.e2e.test_x", "from slack_emulator import server\nfrom storage.engine import Database"),
    ("bench.storm", "from slack_emulator import server"),
]


def test_each_rule_catches_what_it_names() -> None:
    for module, source, name in BROKEN:
        found = violations(source, module, "made_up.py")
        assert len(found) == 1 and f"imports {name}" in found[0] and "(rule: " in found[0], (module, source, found)
    for module, source in KEPT:
        assert violations(source, module, "made_up.py") == [], (module, source)
    caught = {
        rule.text for module, source, _ in BROKEN for rule in RULES if rule.text in violations(source, module, "x")[0]
    }
    assert caught == {rule.text for rule in RULES}, "every rule has a made-up module that breaks it"


def test_the_line_limit_catches_a_long_module() -> None:
    long = "x = 1\n" * (MAX_LINES + 1)
    [found] = too_long(long, "bot.incidents.lifecycle", "bot/incidents/lifecycle.py")
    assert found.startswith(f"bot/incidents/lifecycle.py has {MAX_LINES + 1} lines (rule: ")
    assert too_long("x = 1\n" * MAX_LINES, "handlers.health", "handlers/health.py") == []
    assert too_long(long, "storage.migrations.versions.v1", "storage/migrations/versions/v1.py") == []


def test_relative_imports_are_resolved() -> None:
    assert [i.name for i in imports("from . import a\nfrom ..b import c", "storage.queries.x")] == [
        "storage.queries.a",
        "storage.b.c",
    ]
    assert [i.name for i in imports("from . import a", "storage.queries", is_package=True)] == ["storage.queries.a"]


# The import knot: bot's top-level modules and packages (bot.X) that reach each other through imports.
# A knot means none of them can be changed, tested or read without the rest. Measured, and held to what
# it is now, so it can only shrink.
KNOT_LIMIT = 5  # alerts, config, incidents, reminders, slo (it was 11 before bot/observability became a leaf)


def package_graph(modules: Iterable[tuple[str, str, str, bool]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for source, module, _, package in modules:
        parts = module.split(".")
        if parts[0] != "bot" or len(parts) < 2:
            continue
        edges = graph.setdefault(parts[1], set())
        for imported in imports(source, module, is_package=package):
            target = imported.name.split(".")
            if target[0] == "bot" and len(target) > 1 and target[1] != parts[1]:
                edges.add(target[1])
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; each component sorted, the largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components, key=lambda c: (-len(c), c))


def knot() -> list[str]:
    largest = strongly_connected(package_graph(_each_module()))[0]
    return largest if len(largest) > 1 else []


def test_the_import_knot_does_not_grow() -> None:
    found = knot()
    assert len(found) <= KNOT_LIMIT, f"bot's import knot grew to {len(found)} packages: {', '.join(found)}"


def test_tarjan_finds_a_cycle_and_only_it() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert strongly_connected(graph) == [["a", "b", "c"], ["d"]]
    source = "import bot.b\n"
    made_up = [(source, "bot.a", "bot/a.py", False), ("from bot.a import x", "bot.b.y", "bot/b/y.py", False)]
    assert strongly_connected(package_graph(made_up))[0] == ["a", "b"]


if __name__ == "__main__":
    found = knot()
    sys.stdout.write(f"bot's import knot: {len(found)} packages: {', '.join(found) or '(none)'}\n")
