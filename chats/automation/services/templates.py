"""Templates: saved with their variables checked, and rendered into a send request for one contact
through the one `{{variable}}` renderer (chats/services/variables.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.db import IntegrityError, transaction

from blazz.core.errors import Conflict, DomainError, NotFound
from chats.automation.errors import AutomationErrorCode as Code
from chats.automation.models import Template
from chats.models import MediaFile, MediaStatus, MessageType
from chats.services import SendRequest
from chats.services.variables import Context, render, unknown_names

TEMPLATE_FIELDS = ("name", "category", "body", "media_id", "fallbacks")


def media_message_type(media: MediaFile) -> str:
    """The message type a template's file goes as: image, video, or else a document."""
    kind = (media.mimetype or "").split("/")[0]
    return {"image": MessageType.IMAGE, "video": MessageType.VIDEO}.get(kind, MessageType.DOCUMENT)


def _check(values: dict) -> None:
    unknown = unknown_names(values.get("body", ""))
    if unknown:
        raise DomainError(Code.TEMPLATE_VARIABLE_UNKNOWN, _("Unknown variables: %(names)s.") % {"names": ", ".join(unknown)},
                          fields={"body": [f"unknown variable: {name}" for name in unknown]})
    fallbacks = values.get("fallbacks") or {}
    if not isinstance(fallbacks, dict) or not all(isinstance(v, str) for v in fallbacks.values()):
        raise DomainError(Code.TEMPLATE_VARIABLE_UNKNOWN, _("fallbacks maps variable names to text."),
                          fields={"fallbacks": ["invalid"]})
    media_id = values.get("media_id")
    if media_id:
        media = MediaFile.objects.filter(pk=media_id).first()
        if media is None or media.status != MediaStatus.READY:
            raise DomainError(Code.TEMPLATE_MEDIA_INVALID, _("No such media, or it is not ready."),
                              fields={"media_id": ["not found"]})


def template_save(*, template: Template | None = None, user=None, **values) -> Template:
    """Create a template, or change one (only the fields given). Names are unique, ignoring case."""
    values = {k: v for k, v in values.items() if k in TEMPLATE_FIELDS}
    if template is not None:
        merged = {"body": template.body, "fallbacks": template.fallbacks, **values}
    else:
        merged = values
        template = Template(created_by=user if getattr(user, "pk", None) else None)
    _check(merged)
    for name, value in values.items():
        setattr(template, name, value)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise Conflict(Code.TEMPLATE_NAME_TAKEN, _("A template with this name exists."), fields={"name": ["taken"]})
    return template


def template_delete(*, template: Template) -> None:
    template.delete()


def template_get(template_id) -> Template:
    template = Template.objects.select_related("media").filter(pk=template_id).first() if template_id else None
    if template is None:
        raise NotFound(Code.TEMPLATE_NOT_FOUND, _("No such template."), fields={"template_id": ["not found"]})
    return template


def template_render(template: Template, *, contact=None, agent=None, workspace=None,
                    values: dict | None = None) -> str:
    """The template's text for this contact; a variable without a value or fallback: VariablesMissing (400)."""
    context = Context(contact=contact, agent=agent, workspace=workspace,
                      values={str(k): str(v) for k, v in (values or {}).items()})
    return render(template.body, context, fallbacks=template.fallbacks)


def template_send_request(template: Template, *, contact, agent=None, workspace=None, values: dict | None = None,
                          reply_to_id: int | None = None, session_id: str | None = None) -> SendRequest:
    """What sending this template to this contact is: text, or its file with the text as caption."""
    text = template_render(template, contact=contact, agent=agent, workspace=workspace, values=values)
    if template.media_id:
        return SendRequest(type=media_message_type(template.media), caption=text, media_id=str(template.media_id),
                           reply_to_id=reply_to_id, session_id=session_id)
    return SendRequest(type=MessageType.TEXT, body=text, reply_to_id=reply_to_id, session_id=session_id)
