"""Every YAML, JSON and shell block of README.md and docs/*.md is checked like code.

YAML parses, and what it is a whole file of loads with the real tool: ONCALL_CONFIG through
bot/config/schema.py (each page's snippets also together, with the OpenSLO files they name), OpenSLO
through bot/slo/openslo.py, Alertmanager's through `amtool check-config`. JSON parses. Shell passes
`bash -n`; its `oncall-bot …` lines parse with the real argument parser, its `make` targets and
variables exist in the Makefile, and its UPPER_CASE variables are settings of bot/settings.py.
The conventions that make this possible (excerpts, synopses, lower-case shell variables) are in
tests/docs_blocks.py. A block added to any page is checked without anyone listing it here.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.config.schema import load_config
from bot.settings import Settings
from bot.slo.models import SloDefinition
from bot.slo.openslo import load_openslo_file
from handlers.cli.main import build_parser
from tests.docs_blocks import EXCERPT_MARK, REPO, SHELL, YAML, Block, blocks, documents, write_config

AMTOOL = Path("/usr/bin/amtool")  # Debian's prometheus-alertmanager; `make test` installs it
SETTINGS = {name.upper() for name in Settings.model_fields}
# What every shell has: a snippet may read these without them being the bot's settings.
SHELL_VARIABLES = {"PATH", "HOME", "USER", "PWD"}
OPERATORS = {"&&", "||", "|", ";", "&"}
IMAGE = "oncall-bot"  # as docs/deployment.md builds it
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")
MAKE_TARGETS = set(re.findall(r"^([A-Za-z0-9_.-]+):", MAKEFILE, flags=re.MULTILINE))
MAKE_VARIABLES = set(re.findall(r"^([A-Z_]+)\s*[?:]?=", MAKEFILE, flags=re.MULTILINE)) | set(
    re.findall(r"\$\(([A-Z_]+)\)", MAKEFILE)
)


def _ids(found: list[Block]) -> list[str]:
    return [block.where for block in found]


YAML_BLOCKS = blocks(*YAML)
JSON_BLOCKS = blocks("json")
SHELL_BLOCKS = blocks(*SHELL)


def test_the_pages_have_blocks_to_check() -> None:
    # Guards the walk itself: a parser that found nothing would make every test below pass vacuously.
    assert len(YAML_BLOCKS) >= 5 and len(JSON_BLOCKS) >= 1 and len(SHELL_BLOCKS) >= 5


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=_ids(YAML_BLOCKS))
def test_yaml_parses_and_is_a_whole_file_or_marked_as_an_excerpt(block: Block) -> None:
    try:
        block.yaml_documents()
    except yaml.YAMLError as exc:
        pytest.fail(f"{block.where}: not valid YAML: {exc}")
    assert block.is_excerpt or block.kind is not None, (
        f"{block.where}: not a whole ONCALL_CONFIG, OpenSLO, Alertmanager or Compose file; "
        f"start it with `{EXCERPT_MARK}: …` if it is a fragment"
    )


@pytest.mark.parametrize("block", JSON_BLOCKS, ids=_ids(JSON_BLOCKS))
def test_json_parses(block: Block) -> None:
    try:
        json.loads(block.text)
    except json.JSONDecodeError as exc:
        pytest.fail(f"{block.where}: not valid JSON: {exc}")


ONCALL_BLOCKS = [block for block in YAML_BLOCKS if block.kind == "oncall"]


@pytest.mark.parametrize("block", ONCALL_BLOCKS, ids=_ids(ONCALL_BLOCKS))
def test_each_oncall_config_snippet_loads_through_the_config_loader(block: Block, tmp_path: Path) -> None:
    # Beside it, the OpenSLO files its page shows, should it name them.
    write_config(block.path, tmp_path)
    path = tmp_path / "snippet.yml"
    path.write_text(block.text, encoding="utf-8")

    load_config(path)  # a SettingsError names the key


PAGES_WITH_CONFIG = sorted({block.path for block in ONCALL_BLOCKS})


@pytest.mark.parametrize("page", PAGES_WITH_CONFIG, ids=[page.name for page in PAGES_WITH_CONFIG])
def test_a_pages_config_snippets_load_together(page: Path, tmp_path: Path) -> None:
    load_config(write_config(page, tmp_path))


def test_the_slo_examples_of_docs_slo_md_load_together(tmp_path: Path) -> None:
    config = load_config(write_config(REPO / "docs" / "slo.md", tmp_path))

    names = {slo.name for slo in config.slos}
    openslo = [block for block in blocks(*YAML, path=REPO / "docs" / "slo.md") if block.kind == "openslo"]
    from_files = {slo.name for block in openslo for slo in _openslo(block, tmp_path)}
    assert len(from_files) == len(openslo) and from_files <= names and len(names) > len(from_files), names


def _openslo(block: Block, folder: Path) -> list[SloDefinition]:
    path = folder / "openslo.yaml"
    path.write_text(block.text, encoding="utf-8")
    return list(load_openslo_file(path, default_prometheus_url="http://prometheus:9090"))


OPENSLO_BLOCKS = [block for block in YAML_BLOCKS if block.kind == "openslo"]


@pytest.mark.parametrize("block", OPENSLO_BLOCKS, ids=_ids(OPENSLO_BLOCKS))
def test_openslo_files_load(block: Block, tmp_path: Path) -> None:
    assert _openslo(block, tmp_path)


ALERTMANAGER_BLOCKS = [block for block in YAML_BLOCKS if block.kind == "alertmanager"]


def test_the_alertmanager_snippet_is_there() -> None:
    assert ALERTMANAGER_BLOCKS, "docs/configuration.md shows Alertmanager's receiver as a whole alertmanager.yml"


@pytest.mark.parametrize("block", ALERTMANAGER_BLOCKS, ids=_ids(ALERTMANAGER_BLOCKS))
def test_alertmanager_config_passes_amtool_check_config(block: Block, tmp_path: Path) -> None:
    assert AMTOOL.exists(), f"{AMTOOL} is missing: `make test` installs Debian's prometheus-alertmanager"
    path = tmp_path / "alertmanager.yml"
    path.write_text(block.text, encoding="utf-8")

    result = subprocess.run([str(AMTOOL), "check-config", str(path)], capture_output=True, text=True, timeout=30)

    assert result.returncode == 0, f"{block.where}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=_ids(SHELL_BLOCKS))
def test_shell_is_valid_bash(block: Block) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run([bash, "-n"], input=block.text, capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, f"{block.where}: {result.stderr}"


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=_ids(SHELL_BLOCKS))
def test_shell_commands_exist_as_written(block: Block) -> None:
    problems = [problem for command in commands(block.text) for problem in _check(command)]
    problems += [
        f"${name} is not a setting of bot/settings.py (a snippet's own shell variables are lower case)"
        for name in references(block.text)
        if name.isupper() and name not in SETTINGS | SHELL_VARIABLES
    ]
    assert not problems, f"{block.where}:\n" + "\n".join(problems)


def _check(command: list[str]) -> Iterator[str]:
    words = list(command)
    if words[:1] == ["export"]:
        words = words[1:]
    while words and (assigned := _assignment(words[0])):
        if assigned.isupper() and assigned not in SETTINGS:
            yield f"{assigned} is not a setting of bot/settings.py"
        words = words[1:]
    if not words:
        return
    program, arguments = words[0], words[1:]
    if program == "oncall-bot":
        yield from _cli_problems(arguments)
    elif program == "make":
        for argument in arguments:
            if (variable := _assignment(argument)) and variable not in MAKE_VARIABLES:
                yield f"make variable {variable} is not in the Makefile"
            elif not variable and not argument.startswith("-") and argument not in MAKE_TARGETS:
                yield f"`make {argument}`: there is no such target in the Makefile"
    elif program == "docker":
        for flag, value in itertools.pairwise(arguments):
            name = value.split("=", 1)[0]
            if flag in ("-e", "--env") and name not in SETTINGS:
                yield f"docker {flag} {name}: not a setting of bot/settings.py"
        if arguments[:1] == ["run"] and IMAGE in arguments and arguments[-1] != IMAGE:
            # What follows the image is the entry point's (`oncall-bot`) command line.
            yield from _cli_problems(arguments[arguments.index(IMAGE) + 1 :])


def _assignment(word: str) -> str | None:
    match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)=", word)
    return match.group(1) if match else None


def _cli_problems(arguments: list[str]) -> Iterator[str]:
    for form in synopsis_forms(arguments):
        errors = io.StringIO()
        try:
            with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
                build_parser().parse_args(form)
        except SystemExit as exc:
            if exc.code:
                last = errors.getvalue().strip().splitlines()[-1:]
                yield f"`oncall-bot {shlex.join(form)}`: {' '.join(last)}"


def synopsis_forms(words: list[str]) -> list[list[str]]:
    """Every command line a synopsis stands for: each `[…]` part left out or put in, each `a|b` choice."""
    parts: list[list[list[str]]] = []  # per word or optional group: the word lists it can become
    group: list[str] | None = None
    for word in words:
        if group is None and word.startswith("["):
            group, word = [], word[1:]
        if group is None:
            parts.append([[choice] for choice in word.split("|")])
            continue
        closes = word.endswith("]")
        group.append(word.removesuffix("]"))
        if closes:
            inside = itertools.product(*(choice.split("|") for choice in group))
            parts.append([[], *(list(one) for one in inside)])
            group = None
    return [[word for part in picked for word in part] for picked in itertools.product(*parts)]


def commands(script: str) -> list[list[str]]:
    """The simple commands of a script, as words: split at newlines (outside quotes) and operators."""
    found: list[list[str]] = []
    for line in _logical_lines(script):
        words = shlex.split(line, comments=True)
        current: list[str] = []
        for word in words:
            if word in OPERATORS:
                found.append(current)
                current = []
            else:
                current.append(word)
        found.append(current)
    return [command for command in found if command]


def _logical_lines(script: str) -> Iterator[str]:
    """Lines as the shell runs them: continued by a trailing backslash or an open quote."""
    line, quote = "", ""
    for character in script:
        if character == "\n" and not quote:
            if line.endswith("\\"):
                line = line[:-1] + " "
                continue
            yield line
            line = ""
            continue
        if quote and character == quote and not (quote == '"' and line.endswith("\\")):
            quote = ""
        elif not quote and character in "'\"" and not line.endswith("\\"):
            quote = character
        line += character
    if line.strip():
        yield line


def references(script: str) -> set[str]:
    """Variables the script reads (`$NAME`, `${NAME}`), outside single quotes and comments."""
    names: set[str] = set()
    for line in _logical_lines(script):
        unquoted = re.sub(r"'[^']*'", "''", line)
        unquoted = re.sub(r"(^|\s)#.*$", "", unquoted)
        names |= set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", unquoted))
    return names


def test_synopses_expand_into_every_form_they_stand_for() -> None:
    forms = synopsis_forms(["slo", "report", "[--format", "table|json]"])
    assert forms == [["slo", "report"], ["slo", "report", "--format", "table"], ["slo", "report", "--format", "json"]]


def test_a_wrong_command_in_a_snippet_is_caught() -> None:
    script = (
        'DATABASE_URL=x oncall-bot slo report --fromat json\nSLACK_TOKEN=x make demo\nmake tests\necho "$WEBHOOK"\n'
        "docker run --env-file .env oncall-bot doctr"
    )
    problems = [problem for command in commands(script) for problem in _check(command)]
    assert any("--fromat" in problem for problem in problems)
    assert any("SLACK_TOKEN is not a setting" in problem for problem in problems)
    assert any("`make tests`" in problem for problem in problems)
    assert any("`oncall-bot doctr`" in problem for problem in problems)
    assert references(script) == {"WEBHOOK"}


def test_every_page_is_walked() -> None:
    assert {page.name for page in documents()} >= {"README.md", "configuration.md", "slo.md"}
