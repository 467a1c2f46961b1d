"""Text templates in rules and emails: Jinja2 in its sandbox, because rule authors are users, not developers."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment


@cache
def _environment(strict: bool) -> ImmutableSandboxedEnvironment:
    # Autoescape is off: the output is plain text (task titles, text emails), never inserted into HTML.
    return ImmutableSandboxedEnvironment(
        autoescape=False, undefined=StrictUndefined if strict else Undefined, keep_trailing_newline=True
    )


def check_template(source: str) -> None:
    """Raise jinja2.TemplateSyntaxError when `source` does not parse."""
    _environment(False).parse(source)


def render(source: str, context: dict[str, Any]) -> str:
    """Render with missing values as empty text: a rule must not fail because a customer has no first name."""
    loaded = getattr(context, "loaded", None)  # a lazy rule context loads its remaining parts for templates
    return _environment(False).from_string(source).render(**(loaded() if callable(loaded) else context))
