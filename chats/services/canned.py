"""Canned replies: saved, with their {{variables}} checked, and rendered for a chat and an agent
through the one renderer (chats/services/variables.py)."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from blazz.core.errors import Conflict, DomainError
from chats.errors import ChatErrorCode as Code
from chats.models import CannedReply, Contact
from chats.services import variables


def canned_reply_save(reply: CannedReply) -> CannedReply:
    """A new or changed canned reply. A variable no chat can fill ({{contact.nmae}}) is a 400;
    a taken shortcut is a 409."""
    unknown = variables.unknown_names(reply.body)
    if unknown:
        raise DomainError(Code.VARIABLES_UNKNOWN, _("Unknown variables: %(names)s.") % {"names": ", ".join(unknown)},
                          fields={"body": [f"unknown variable: {name}" for name in unknown]})
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        raise Conflict(Code.SHORTCUT_TAKEN, _("A canned reply with this shortcut exists."),
                       fields={"shortcut": ["taken"]})
    return reply


def canned_reply_delete(*, reply: CannedReply) -> None:
    reply.delete()


def canned_reply_render(*, reply: CannedReply, contact: Contact, agent) -> str:
    """The body for this chat, as this agent would send it. A variable with no value here (a
    contact without a name) renders empty rather than refusing: the agent edits before sending."""
    from workspaces.models import Workspace

    workspace = Workspace.objects.filter(schema_name=connection.schema_name).first()
    context = variables.Context(contact=contact, agent=agent, workspace=workspace)

    def one(name: str) -> str:
        try:
            return variables.render("{{" + name + "}}", context)
        except variables.VariablesMissing:
            return ""

    filled = {name: one(name) for name in variables.names_in(reply.body)}
    return variables.VARIABLE.sub(lambda match: filled[match.group(1)], reply.body)
