"""Text with `{{variables}}`: canned replies, templates, auto-replies and broadcasts all render
through here, so each spells the same names the same way.

Names: `contact.name`, `contact.first_name`, `contact.phone`, `contact.custom.<field>`,
`agent.name`, `workspace.name`, and free positional ones `1`, `2`, ... given by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from blazz.core.errors import DomainError
from chats.errors import ChatErrorCode

VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
KNOWN_NAMES = ("contact.name", "contact.first_name", "contact.phone", "agent.name", "workspace.name")
CUSTOM_PREFIX = "contact.custom."


class VariablesMissing(DomainError):
    def __init__(self, names: list[str]):
        super().__init__(ChatErrorCode.VARIABLES_MISSING, f"Missing values for: {', '.join(names)}.",
                         fields={"variables": [f"missing: {name}" for name in names]})
        self.names = names


@dataclass(frozen=True)
class Context:
    """What a text can refer to; any part may be absent (then its variables are missing)."""
    contact: object | None = None
    agent: object | None = None
    workspace: object | None = None
    values: Mapping[str, str] | None = None  # free variables: {"1": "...", "order": "..."}


def names_in(text: str) -> list[str]:
    """The variables a text uses, each once, in order of first use."""
    return list(dict.fromkeys(match.group(1) for match in VARIABLE.finditer(text or "")))


def unknown_names(text: str) -> list[str]:
    """Names that no context can ever fill (a typo like `{{contact.nmae}}`): for saving a text."""
    return [name for name in names_in(text)
            if name not in KNOWN_NAMES and not name.startswith(CUSTOM_PREFIX) and "." in name]


def render(text: str, context: Context, *, fallbacks: Mapping[str, str] | None = None) -> str:
    """The text with every variable filled; a variable without a value (and no fallback) raises
    VariablesMissing naming all of them at once."""
    fallbacks = fallbacks or {}
    missing: list[str] = []

    def fill(match: re.Match) -> str:
        name = match.group(1)
        value = _value(name, context)
        if value in (None, ""):
            value = fallbacks.get(name)
        if value in (None, ""):
            missing.append(name)
            return match.group(0)
        return str(value)

    rendered = VARIABLE.sub(fill, text or "")
    if missing:
        raise VariablesMissing(list(dict.fromkeys(missing)))
    return rendered


def _value(name: str, context: Context):
    contact, agent, workspace = context.contact, context.agent, context.workspace
    if name.startswith(CUSTOM_PREFIX):
        return (getattr(contact, "custom_fields", None) or {}).get(name[len(CUSTOM_PREFIX):]) if contact else None
    if name == "contact.name":
        return getattr(contact, "display_name", "") if contact else None
    if name == "contact.first_name":
        full = getattr(contact, "display_name", "") if contact else ""
        return full.split()[0] if full and full.split() else None
    if name == "contact.phone":
        return getattr(contact, "phone", None) if contact else None
    if name == "agent.name":
        if agent is None:
            return None
        full = getattr(agent, "get_full_name", lambda: "")() or getattr(agent, "first_name", "")
        return full or getattr(agent, "email", None)
    if name == "workspace.name":
        return getattr(workspace, "name", None) if workspace else None
    return (context.values or {}).get(name)
