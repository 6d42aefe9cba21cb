"""Keyset cursors: every cursor-paged list of the API pages through a strict total order.

DRF's CursorPagination keeps only the first ordering field in its cursor (plus an offset among the
rows that share its value): when rows sharing that value move while a client pages (a chat gets a
message and jumps to the top), the offset counts different rows and an unchanged row is skipped or
repeated. Here the cursor holds the boundary row's value of every ordering field, the last of
which is unique (the id), and the next page is the rows strictly after that tuple: a row that did
not change is seen exactly once, whatever moved around it.

`page_size` is an integer from 1 to `max_page_size`; anything else is a 400 naming it.
"""

from __future__ import annotations

import base64
import binascii
import json

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from blazz.core.errors import DomainError, ErrorCode


def _field(ordering_item: str) -> tuple[str, bool]:
    """`-created_at` -> ("created_at", descending)."""
    return ordering_item.lstrip("-"), ordering_item.startswith("-")


def _beyond(name: str, descending: bool, value) -> Q:
    """Rows that come strictly after `value` in this field's order (PostgreSQL: DESC puts nulls
    first, ASC puts them last)."""
    if descending:
        return Q(**{f"{name}__isnull": False}) if value is None else Q(**{f"{name}__lt": value})
    if value is None:
        return Q(pk__in=[])
    return Q(**{f"{name}__gt": value}) | Q(**{f"{name}__isnull": True})


def _same(name: str, value) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def after(ordering, values) -> Q:
    """Rows strictly after the row whose ordering fields hold `values`, in `ordering`."""
    match, equal = Q(pk__in=[]), Q()
    for item, value in zip(ordering, values):
        name, descending = _field(item)
        match |= equal & _beyond(name, descending, value)
        equal &= _same(name, value)
    return match


def inverted(ordering) -> list[str]:
    return [item[1:] if item.startswith("-") else f"-{item}" for item in ordering]


class KeysetCursor(CursorPagination):
    """A list view names its cursor class in `pagination_class` with its `ordering` (the last field
    unique); the OpenAPI schema reads the page object and the `cursor` and `page_size` parameters
    from it, as from DRF's."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise DomainError(ErrorCode.INVALID_REQUEST, _("page_size is an integer from 1 to %(max)s.") % {"max": self.max_page_size},
                              fields={"page_size": [f"an integer from 1 to {self.max_page_size}"]})
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.request, self.base_url = request, request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self.ordering = list(self.get_ordering(request, queryset, view))
        model = queryset.model
        cursor = self.decode_cursor(request)
        reverse = bool(cursor and cursor["r"])
        if cursor is not None:
            try:
                values = [model._meta.get_field(_field(item)[0]).to_python(value)
                          for item, value in zip(self.ordering, cursor["v"])]
            except ValidationError:
                raise DomainError(ErrorCode.INVALID_REQUEST, _("Invalid cursor."), fields={"cursor": ["invalid"]})
            order = inverted(self.ordering) if reverse else self.ordering
            queryset = queryset.filter(after(order, values))
        rows = list(queryset.order_by(*(inverted(self.ordering) if reverse else self.ordering))[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if reverse:
            rows.reverse()
        self.page = rows
        self.has_next = more if not reverse else True
        self.has_previous = (cursor is not None) if not reverse else more
        return rows

    def paginate_around(self, queryset, request, anchor, view=None):
        """A page centred on `anchor` (a row of `queryset`): about half a page on each side of it,
        in the list's order, with the usual links on both sides, so a client opened at a search
        hit pages older and newer from there. The links drop `around`."""
        self.request = request
        self.base_url = remove_query_param(request.build_absolute_uri(), "around")
        self.page_size = self.get_page_size(request)
        self.ordering = list(self.get_ordering(request, queryset, view))
        values = [getattr(anchor, _field(item)[0]) for item in self.ordering]
        before = (self.page_size - 1) // 2
        newer = list(queryset.filter(after(inverted(self.ordering), values)).order_by(*inverted(self.ordering))[: before + 1])
        self.has_previous = len(newer) > before
        newer = newer[:before]
        newer.reverse()
        rest = self.page_size - 1 - len(newer)
        older = list(queryset.filter(after(self.ordering, values)).order_by(*self.ordering)[: rest + 1])
        self.has_next = len(older) > rest
        self.page = [*newer, anchor, *older[:rest]]
        return self.page

    def _values(self, row) -> list:
        out = []
        for item in self.ordering:
            value = getattr(row, _field(item)[0])
            out.append(value.isoformat() if hasattr(value, "isoformat") else value)
        return out

    def _link(self, row, reverse: bool) -> str:
        token = json.dumps({"v": self._values(row), "r": int(reverse)}, separators=(",", ":"))
        encoded = base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_next_link(self):
        return self._link(self.page[-1], False) if self.has_next and self.page else None

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:  # paged past the end: the page before is what comes before it
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self.page[0], True)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            cursor = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            if not (isinstance(cursor, dict) and isinstance(cursor.get("v"), list)
                    and len(cursor["v"]) == len(self.ordering) and cursor.get("r") in (0, 1)):
                raise ValueError
            return cursor
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise DomainError(ErrorCode.INVALID_REQUEST, _("Invalid cursor."), fields={"cursor": ["invalid"]})

