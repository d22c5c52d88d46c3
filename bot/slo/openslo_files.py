"""OpenSLO files as teams keep them: files and directories of them, read as one set of objects.

`slo.openslo` in ONCALL_CONFIG lists paths; a directory stands for every `*.yaml` / `*.yml` file under
it (sorted, subdirectories included, hidden ones skipped). An SLO may name an SLI, a DataSource or an
alert policy defined in any of them. Every problem of every file is reported at once, one line each.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.errors import SettingsError
from bot.slo.models import SloDefinition
from bot.slo.openslo import read_text, resolve
from bot.slo.openslo_documents import read_documents
from bot.slo.openslo_fields import Document

SUFFIXES = (".yaml", ".yml")


def load_openslo(
    paths: Sequence[Path], *, folder: Path, default_prometheus_url: str | None = None
) -> list[SloDefinition]:
    """The SLOs the files (and the files of the directories) define, relative paths taken from `folder`."""
    documents: list[Document] = []
    problems: list[str] = []
    for path in openslo_paths(paths, folder=folder):
        try:
            text = read_text(path)
        except SettingsError as exc:
            problems.append(str(exc))
            continue
        found, wrong = read_documents(text, str(path))
        documents += found
        problems += wrong
    return resolve(documents, default_prometheus_url, problems)


def openslo_paths(paths: Sequence[Path], *, folder: Path) -> list[Path]:
    """The files to read, in order: each file as listed, each directory's YAML files sorted by path."""
    files: list[Path] = []
    for listed in paths:
        path = listed if listed.is_absolute() else folder / listed
        if not path.is_dir():
            files.append(path)  # read_text names it if it is missing
            continue
        found = sorted(
            file
            for file in path.rglob("*")
            if file.suffix in SUFFIXES and file.is_file() and not _hidden(file.relative_to(path))
        )
        if not found:
            raise SettingsError(f"{path}: is a directory without OpenSLO files (*.yaml or *.yml)")
        files += found
    return list(dict.fromkeys(files))  # a file listed and also in a listed directory is read once


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)
