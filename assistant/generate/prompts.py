"""Prompt templates, kept as plain files in `prompts/` and checked when loaded."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from index.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
REQUIRED = {
    "grounded_answer": {"evidence", "disagreements", "question"},
    "condense_followup": {"history", "question"},
}


@dataclass(frozen=True)
class Prompt:
    name: str
    template: str

    def render(self, **values: str) -> str:
        return self.template.format(**values)


def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> Prompt:
    """Read `folder/name.txt`; a missing file, a missing or unknown variable is an error
    that names it."""
    path = folder / f"{name}.txt"
    try:
        template = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read prompt template {path}: {exc}") from exc
    try:
        found = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise ConfigError(f"prompt template {path} is malformed: {exc}") from exc
    needed = REQUIRED.get(name, set())
    missing = needed - found
    if missing:
        raise ConfigError(f"prompt template {path} lacks the variable {sorted(missing)[0]!r}")
    unknown = found - needed
    if unknown:
        raise ConfigError(f"prompt template {path} uses an unknown variable {sorted(unknown)[0]!r}")
    return Prompt(name, template)
