"""Every setting and every CLI command is documented in the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main
from pydantic import BaseModel

from rapport.cli.main import app
from rapport.settings import Settings

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _env_names(model: type[BaseModel], prefix: str) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def _commands(group: Any, prefix: str) -> list[str]:
    found = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _commands(command, f"{prefix}{name} ")
        else:
            found.append(f"{prefix}{name}")
    return found


def _documented(command: str) -> bool:
    """`rapport x y` is documented as such, or in a row of its group: "`rapport x list` / `y` / ..."."""
    if f"`{command}" in README:
        return True
    group, _, leaf = command.rpartition(" ")
    return any(f"`{group} " in line and f"`{leaf}`" in line for line in README.splitlines())


def test_every_setting_is_in_the_readme() -> None:
    missing = [name for name in _env_names(Settings, "RAPPORT_") if f"`{name}`" not in README]

    assert missing == []


def test_every_cli_command_is_in_the_readme() -> None:
    group = typer.main.get_command(app)

    missing = [cmd for cmd in _commands(group, "rapport ") if not _documented(cmd)]

    assert missing == []
