"""Text PostgreSQL cannot store, found before it reaches a query.

PostgreSQL refuses a NUL (0x00) in `text` and `\\u0000` in `jsonb`, and a lone UTF-16 surrogate
(which `json.loads` lets through from `"\\ud800"`) is neither valid UTF-8 nor valid jsonb: psycopg
raises DataError, a 500. DRF's CharField already refuses both; this module covers what it does not
see: query parameters, path parameters, and the strings anywhere inside free-form JSON
(`custom_fields`, session `options`, bridge event objects).

Validation answers 400 with the field named; mapping DataError to a 400 in the exception handler
would hide real bugs, so it is deliberately not done.
"""

from __future__ import annotations

import re

from rest_framework import serializers

NUL_MESSAGE = "Null characters are not allowed."
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why PostgreSQL would refuse this string, or None."""
    if "\x00" in text:
        return NUL_MESSAGE
    surrogate = _SURROGATE.search(text)
    if surrogate:
        return f"Surrogate characters are not allowed: U+{ord(surrogate.group()):X}."
    return None


def _printable(key: str) -> str:
    return key.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def json_text_problems(value) -> dict:
    """Every string (keys included) PostgreSQL would refuse inside a JSON value, as DRF's nested
    error detail: `{"note": ["Null characters..."]}`, `{"list": {"1": [...]}}`. {} when all is well;
    a bad string at the top (or a bad key) is reported under `""` / the key."""
    problems: dict = {}
    stack = [((), value)]
    while stack:  # iterative: the parser bounds nesting, but a walk should not rely on it
        path, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                _put(problems, path, problem)
        elif isinstance(item, dict):
            for key, child in item.items():
                key = str(key)
                problem = text_problem(key)
                if problem:
                    _put(problems, (*path, _printable(key)), f"Key: {problem}")
                else:
                    stack.append(((*path, key), child))
        elif isinstance(item, (list, tuple)):
            stack.extend(((*path, str(index)), child) for index, child in enumerate(item))
    return problems


def _put(tree: dict, path: tuple, message: str) -> None:
    """Each string is visited once and a bad key is not descended into, so paths never collide."""
    *parents, leaf = path or ("",)
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
    node.setdefault(leaf, []).append(message)


class StorableJson:
    """A DRF field validator: the value's strings can all be stored by PostgreSQL."""

    def __call__(self, value):
        problems = json_text_problems(value)
        if problems:
            if list(problems) == [""]:
                raise serializers.ValidationError(problems[""])
            raise serializers.ValidationError(problems)


def text_errors(**values) -> dict[str, list[str]]:
    """For plain parameters (query string, path): `{name: [why]}` for each one PostgreSQL would refuse."""
    return {name: [problem] for name, value in values.items()
            if isinstance(value, str) and (problem := text_problem(value))}


class StrictCharField(serializers.CharField):
    """A CharField that takes only a JSON string: DRF's turns a number into its text (`7` -> "7"),
    so a client sending the wrong type would never hear of it."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)
