"""The code blocks of README.md and docs/*.md, as the docs tests read them.

Conventions the docs follow so that every block can be checked (tests/unit/test_docs_snippets.py):

- A block whose first line is a comment starting `# excerpt` (e.g. `# excerpt: one metricSource`) is a
  fragment of something bigger: it must parse, but is not loaded as a whole file.
- In shell blocks, UPPER_CASE variables are the bot's settings (bot/settings.py); a snippet's own
  shell variables are lower case (`body=…`, `secret=…`).
- `oncall-bot` lines may be a synopsis: `[…]` marks an optional part and `a|b` inside one the
  choices; every form they stand for must parse.
- Examples that talk to a bot use its default local address, `http://localhost:<default PORT>`, and
  read the token from `$WEBHOOK_TOKEN`; tests/e2e/test_docs_curl.py substitutes only that address.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from bot.config.schema import OncallConfig
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[1]
EXCERPT_MARK = "# excerpt"
SHELL = ("sh", "shell", "bash", "console")
YAML = ("yaml", "yml")
DEFAULT_ADDRESS = f"http://localhost:{Settings.model_fields['port'].default}"


def documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"

    @property
    def is_excerpt(self) -> bool:
        return self.text.lstrip().startswith(EXCERPT_MARK)

    def yaml_documents(self) -> list[Any]:
        return list(yaml.safe_load_all(self.text))

    @property
    def kind(self) -> str | None:
        """What a YAML block is a whole file of: oncall, openslo, alertmanager, compose; None if unknown."""
        if self.language not in YAML or self.is_excerpt:
            return None
        loaded = self.yaml_documents()
        if any(isinstance(one, dict) and str(one.get("apiVersion", "")).startswith("openslo/") for one in loaded):
            return "openslo"
        [top] = loaded if len(loaded) == 1 else [None]
        if not isinstance(top, dict) or not top:
            return None
        if set(top) <= set(OncallConfig.model_fields):
            return "oncall"
        if "receivers" in top or "route" in top:
            return "alertmanager"
        if "services" in top:
            return "compose"
        return None


@cache
def _blocks(path: Path) -> tuple[Block, ...]:
    tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
    return tuple(
        Block(
            path,
            token.map[0] + 1 if token.map else 0,
            token.info.split()[0].lower() if token.info else "",
            token.content,
        )
        for token in tokens
        if token.type == "fence"
    )


def blocks(*languages: str, path: Path | None = None) -> list[Block]:
    """Every fenced block in these languages, in README.md and docs/*.md (or in one of them)."""
    return [block for doc in ([path] if path else documents()) for block in _blocks(doc) if block.language in languages]


def oncall_config_of(path: Path) -> dict[str, Any]:
    """The document's ONCALL_CONFIG snippets as one file: each snippet adds its own top-level sections."""
    merged: dict[str, Any] = {}
    for block in blocks(*YAML, path=path):
        if block.kind != "oncall":
            continue
        [sections] = block.yaml_documents()
        if clash := set(sections) & set(merged):
            raise AssertionError(f"{block.where}: sections {sorted(clash)} are in two snippets of the same page")
        merged.update(sections)
    return merged


def write_config(path: Path, folder: Path) -> Path:
    """The document's ONCALL_CONFIG in `folder`, with the OpenSLO files it names written beside it."""
    config = oncall_config_of(path)
    openslo = [block for block in blocks(*YAML, path=path) if block.kind == "openslo"]
    slo = config.get("slo") or {}
    named = [*(slo.get("openslo") or []), *(slo.get("openslo_files") or [])]
    if named and len(named) != len(openslo):
        raise AssertionError(f"{path.name}: its config names OpenSLO files {named}, the page shows {len(openslo)}")
    for name, block in zip(named, openslo, strict=True):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(block.text, encoding="utf-8")
    target = folder / "oncall.yml"
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target
