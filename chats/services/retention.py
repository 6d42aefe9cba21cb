"""Forgetting: a contact erased on request (UU 27/2022, GDPR art. 17), and a workspace's messages
and media past its retention period, pruned by beat in small batches.

Storage files are deleted after the transaction that removed their rows commits: a rollback leaves
both in place, and a crash between the two leaves at worst an unreferenced file, never a row
pointing at a missing one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from blazz.core import eventlog, events
from blazz.core.publisher import publish_on_commit
from blazz.core.errors import NotFound
from chats.errors import ChatErrorCode as Code
from chats.models import Contact, ErasureRecord, MediaFile, Message, PendingMessageEvent, Reaction

RETENTION_BATCH_SIZE = 500
RETENTION_TIME_BUDGET_SECONDS = 60.0


def _delete_files_on_commit(names: list[tuple]) -> None:
    """After commit, delete each (storage, name) file; a file already gone is not an error."""
    def run():
        for storage, name in names:
            storage.delete(name)
    if names:
        transaction.on_commit(run)


def _media_unreferenced(media):
    """`media` without the files some row still points at: a message, and whatever else has a
    foreign key to MediaFile (templates, scheduled sends: found from the model's relations, so
    chats does not import its automation package and a new reference is covered)."""
    for rel in MediaFile._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            media = media.exclude(pk__in=rel.related_model._base_manager.filter(
                **{f"{rel.field.name}__isnull": False}).values(rel.field.attname))
    return media


def _media_delete_unreferenced(media_ids: set) -> int:
    """Delete the media rows among `media_ids` nothing points at any more, and (after commit)
    their files. Caller is inside a transaction, after deleting the messages."""
    if not media_ids:
        return 0
    orphans = list(_media_unreferenced(MediaFile.objects.filter(pk__in=media_ids)))
    _delete_files_on_commit([(media.file.storage, media.file.name) for media in orphans if media.file])
    MediaFile.objects.filter(pk__in=[media.pk for media in orphans]).delete()
    return len(orphans)


def contact_erase(*, contact: Contact, user_id: int | None = None, api_key_id: int | None = None) -> ErasureRecord:
    """Erase a contact and everything about them: messages, reactions, media rows and their storage
    files, events kept for their messages, and the contact itself; leave an audit line with counts
    and no content; emits contact.erased (open inboxes drop the chat). A file something else still shows (another contact's message: one upload sent
    to many; a template) stays. The event log's rows about them go too (CRMs already sent an
    event keep their copy: that is the CRM's to erase)."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=contact.pk).first()
        if contact is None:  # erased or deleted by a concurrent call since the caller read it
            raise NotFound(Code.CONTACT_NOT_FOUND, _("No such contact."))
        messages = Message.objects.filter(contact=contact)
        media_ids = set(messages.exclude(media__isnull=True).values_list("media_id", flat=True))
        wa_ids = [wa_id for wa_id in messages.values_list("wa_message_id", flat=True) if wa_id]
        reactions, _kinds = Reaction.objects.filter(message__contact=contact).delete()
        PendingMessageEvent.objects.filter(wa_message_id__in=wa_ids).delete()
        Contact.objects.filter(pk=contact.pk).update(last_message=None)
        message_count = messages.count()
        messages.delete()
        media_count = _media_delete_unreferenced(media_ids)
        contact_id = contact.pk
        contact.delete()
        logged = eventlog.erase_contact(connection.schema_name, contact_id)
        publish_on_commit(connection.schema_name, events.ContactErased(contact_id=contact_id))
        return ErasureRecord.objects.create(contact_id=contact_id, erased_by_user_id=user_id,
                                            erased_by_api_key_id=api_key_id, messages=message_count,
                                            media_files=media_count, reactions=reactions, events=logged)


@dataclass
class PruneResult:
    messages: int = 0
    media_files: int = 0
    pending_events: int = 0
    done: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def _contacts_repoint_last_message(contact_ids: set) -> None:
    """Contacts whose last message was just deleted show their newest remaining one; none left:
    out of the chat list (last_message_at NULL)."""
    newest = Message.objects.filter(contact=OuterRef("pk")).order_by("-timestamp", "-id")
    Contact.objects.filter(pk__in=contact_ids, last_message__isnull=True).update(
        last_message_id=Subquery(newest.values("id")[:1]), last_message_at=Subquery(newest.values("timestamp")[:1]))


def _prune_message_batch(cutoff, batch_size: int, result: PruneResult) -> bool:
    """One transaction: up to `batch_size` messages older than `cutoff` (rows the inbox holds
    locked are skipped, not waited for), their reactions and their media. True when more remain."""
    with transaction.atomic():
        ids = list(Message.objects.select_for_update(skip_locked=True, of=("self",))
                   .filter(timestamp__lt=cutoff).order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            return False
        rows = Message.objects.filter(pk__in=ids)
        media_ids = set(rows.exclude(media__isnull=True).values_list("media_id", flat=True))
        contact_ids = set(rows.values_list("contact_id", flat=True))
        Reaction.objects.filter(message_id__in=ids).delete()
        result.messages += rows.delete()[1].get(Message._meta.label, 0)
        result.media_files += _media_delete_unreferenced(media_ids)
        _contacts_repoint_last_message(contact_ids)
    return len(ids) == batch_size


def _prune_orphan_media_batch(cutoff, batch_size: int, result: PruneResult) -> bool:
    """Uploads never sent (nothing points at them) older than `cutoff`."""
    with transaction.atomic():
        ids = list(_media_unreferenced(MediaFile.objects.select_for_update(skip_locked=True)
                                       .filter(created_at__lt=cutoff)).order_by("created_at")
                   .values_list("id", flat=True)[:batch_size])
        result.media_files += _media_delete_unreferenced(set(ids))
    return len(ids) == batch_size


def messages_prune_old(*, older_than_days: int, batch_size: int = RETENTION_BATCH_SIZE,
                       time_budget_seconds: float = RETENTION_TIME_BUDGET_SECONDS) -> PruneResult:
    """Delete this workspace's messages (by WhatsApp time) and media older than `older_than_days`,
    `batch_size` rows per transaction, until none remain or the time budget is spent (then
    `done` is False and beat's next run carries on). Emits nothing: the rows are past history."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deadline = time.monotonic() + time_budget_seconds
    result = PruneResult()
    for step in (_prune_message_batch, _prune_orphan_media_batch):
        while True:
            more = step(cutoff, batch_size, result)
            if not more:
                break
            if time.monotonic() >= deadline:
                result.done = False
                return result
    result.pending_events, _kinds = PendingMessageEvent.objects.filter(received_at__lt=cutoff).delete()
    return result
