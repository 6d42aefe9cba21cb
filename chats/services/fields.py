"""The workspace's custom contact fields: their definitions, and a contact's values checked
against them (text, number, date, choice). A key no definition names is the CRM's own and is kept
as it comes; a defined key's value must fit its type, or the write is a 400."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from blazz.core.errors import Conflict, DomainError
from chats.errors import ChatErrorCode as Code
from chats.models import CustomField, CustomFieldType

TEXT_MAX = 1000
CHOICES_MAX = 50


def custom_field_save(field: CustomField) -> CustomField:
    """A new or changed definition: a choice field needs its choices (400); keys are unique (409)."""
    choices = [str(c).strip() for c in (field.choices or []) if str(c).strip()]
    if field.type == CustomFieldType.CHOICE and not choices:
        raise DomainError(Code.CUSTOM_FIELD_INVALID, _("A choice field needs at least one choice."),
                          fields={"choices": ["at least one choice"]})
    if len(choices) > CHOICES_MAX or len(set(choices)) != len(choices):
        raise DomainError(Code.CUSTOM_FIELD_INVALID, _("Choices must be distinct, at most %(n)s.") % {"n": CHOICES_MAX},
                          fields={"choices": ["distinct, at most 50"]})
    field.choices = choices if field.type == CustomFieldType.CHOICE else []
    try:
        with transaction.atomic():
            field.save()
    except IntegrityError:
        raise Conflict(Code.CUSTOM_FIELD_KEY_TAKEN, _("A field with this key exists."), fields={"key": ["taken"]})
    return field


def custom_field_delete(*, field: CustomField) -> None:
    """The definition goes; values contacts hold under its key stay (a CRM may still read them)."""
    field.delete()


def _checked(field: CustomField, value):
    """The value to store, or a message saying why it does not fit."""
    if field.type == CustomFieldType.TEXT:
        if not isinstance(value, str) or len(value) > TEXT_MAX:
            return None, f"text of at most {TEXT_MAX} characters"
        return value.strip(), None
    if field.type == CustomFieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) > 1e15:
            return None, "a number"
        return value, None
    if field.type == CustomFieldType.DATE:
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value).isoformat(), None
            except ValueError:
                pass
        return None, "a date: YYYY-MM-DD"
    if value not in field.choices:
        return None, "one of: " + ", ".join(field.choices)
    return value, None


def custom_values_clean(values: dict) -> dict:
    """`values` with each defined key's value checked against its type (null or "" clears it).
    Raises DomainError custom_field_invalid naming every key that does not fit."""
    fields = {field.key: field for field in CustomField.objects.filter(key__in=list(values))}
    clean, problems = {}, {}
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            clean[key] = value
            continue
        if value is None or value == "":
            continue
        stored, problem = _checked(field, value)
        if problem:
            problems[key] = [problem]
        else:
            clean[key] = stored
    if problems:
        raise DomainError(Code.CUSTOM_FIELD_INVALID, _("Some custom fields do not fit their type."),
                          fields={f"custom_fields.{key}": msgs for key, msgs in problems.items()})
    return clean
