"""JSON in, bounded: every JSON body the API or the bridge webhook reads goes through `json_loads`.

`json.loads` recurses once per nesting level, so `'[' * 100000` raises RecursionError, which is
not a ValueError: DRF's JSONParser let it through as a 500. Past the parse, a body nested a few
hundred levels deep would still overflow later (a serializer walking it, `json.dumps` when Django
stores a JSONField). No body of this API nests beyond a handful of levels, so anything deeper than
MAX_JSON_DEPTH is refused as a parse error. NaN and Infinity are not JSON either: refused.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Generous for free-form objects (custom_fields, session options); far below Python's recursion limit.
MAX_JSON_DEPTH = 32


class JSONTooDeep(ValueError):
    pass


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_depth_exceeds(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays/objects nest deeper than `limit` (iterative: never recurses itself)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def json_loads(data: str | bytes | bytearray):
    """`json.loads`, strict: raises ValueError (JSONTooDeep past MAX_JSON_DEPTH) for anything the
    API does not accept as JSON."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise JSONTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    if json_depth_exceeds(value):
        raise JSONTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's DEFAULT_PARSER_CLASSES entry: DRF's JSON parser with `json_loads`'s bounds."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json_loads(stream.read().decode(encoding))
        except ValueError as exc:  # UnicodeDecodeError is one too
            raise ParseError(f"JSON parse error - {exc}")
