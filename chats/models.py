"""Tenant schema: contacts, their messages, reactions, media, and events waiting for their message."""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from sessions_wa.contract import MessageStatus, MessageType


class ChatStatus(models.TextChoices):
    """A conversation's state in the team inbox (the status machine: chats/services/team.py)."""
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"  # waiting on the customer
    RESOLVED = "resolved", "Resolved"
    SNOOZED = "snoozed", "Snoozed"  # until snoozed_until; a customer message or the time reopens it


class Label(models.Model):
    """A workspace label: many per chat, shown on list rows, filterable."""

    name = models.CharField(max_length=50, unique=True)
    color = models.CharField(max_length=7, default="#6b7280", help_text="#rrggbb")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class CannedReply(models.Model):
    """A workspace's saved answer: typed as `/shortcut` in the composer, its body rendered with
    {{variables}} (chats/services/variables.py) for the chat and the agent."""

    shortcut = models.SlugField(max_length=40, unique=True)
    body = models.TextField(max_length=4096)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["shortcut"]

    def __str__(self):
        return f"/{self.shortcut}"


class CustomFieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"


class CustomField(models.Model):
    """A contact field the workspace defines (the contact panel shows and edits it); a contact's
    value lives in `Contact.custom_fields[key]`, checked against `type` when written."""

    key = models.SlugField(max_length=40, unique=True, help_text="The key in a contact's custom_fields.")
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=CustomFieldType.choices, default=CustomFieldType.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="The allowed values of a choice field.")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class InboxSettings(models.Model):
    """The workspace's team-inbox options: one row (pk 1) per tenant schema."""

    agents_see_own_only = models.BooleanField(
        default=False, help_text="Agents see only chats assigned to them and unassigned ones (owners and admins see all).")
    auto_assign = models.BooleanField(default=False, help_text="Round-robin new and reopened unassigned chats.")
    auto_assign_cap = models.PositiveIntegerField(default=20, help_text="At most this many open chats per agent.")
    last_auto_assignee_id = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbox settings")
        verbose_name_plural = _("inbox settings")


class Contact(models.Model):
    """A customer: one WhatsApp id per workspace. Chats are contacts with messages."""

    wa_id = models.CharField(max_length=100, unique=True,
                             help_text="The id we address them by: 6281234567890@c.us, or <digits>@lid while "
                                       "WhatsApp has not told us their phone (docs/bridge.md \"LID identities\").")
    lid = models.CharField(max_length=100, unique=True, null=True, blank=True,
                           help_text="Their LID (<digits>@lid) when known: the same person as wa_id.")
    phone = models.CharField(_("phone"), max_length=32, db_index=True, help_text="E.164, e.g. +6281234567890")
    name = models.CharField(max_length=200, blank=True, help_text="Set by agents or the CRM.")
    push_name = models.CharField(max_length=200, blank=True, help_text="What the customer calls themselves.")
    avatar_url = models.URLField(max_length=500, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    unread_count = models.PositiveIntegerField(_("unread"), default=0)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    last_message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", db_constraint=False)
    session = models.ForeignKey("sessions_wa.WhatsAppSession", verbose_name=_("session"), null=True, blank=True,
                                on_delete=models.SET_NULL,
                                related_name="contacts", help_text="The number this conversation goes through.")
    status = models.CharField(max_length=10, choices=ChatStatus.choices, default=ChatStatus.OPEN,
                              db_default=ChatStatus.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    labels = models.ManyToManyField(Label, blank=True, related_name="contacts")
    online = models.BooleanField(default=False)
    last_seen = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            # The chat list (selectors.chat_list): contacts with messages, in exactly its ORDER BY
            # (selectors.CHAT_ORDER; DESC is NULLS FIRST in PostgreSQL, as Django writes it), so a page
            # is read in order from the index and stops at the page size, with no sort. Partial: only
            # contacts with messages are chats (a CRM import of contacts stays out of it).
            models.Index(models.F("last_message_at").desc(), models.F("last_message_id").desc(),
                         models.F("id").desc(), name="contact_chat_list_idx",
                         condition=models.Q(last_message_at__isnull=False)),
            # The team views (status, assignee): the same order after an equality prefix, so each
            # filter's first page is an index range read with no sort.
            models.Index("status", models.F("last_message_at").desc(), models.F("last_message_id").desc(),
                         models.F("id").desc(), name="contact_chat_status_idx",
                         condition=models.Q(last_message_at__isnull=False)),
            models.Index("assignee", "status", models.F("last_message_at").desc(),
                         models.F("last_message_id").desc(), models.F("id").desc(), name="contact_chat_assignee_idx",
                         condition=models.Q(last_message_at__isnull=False)),
            models.Index("snoozed_until", name="contact_snoozed_idx", condition=models.Q(status="snoozed")),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.push_name or self.phone


class Direction(models.TextChoices):
    IN = "in", "Inbound"
    OUT = "out", "Outbound"


class MessageOrigin(models.TextChoices):
    """Who made a message: on the send path, every automated message is marked with its source."""
    CUSTOMER = "customer", "Customer"
    PHONE = "phone", "Typed on the phone"
    AGENT = "agent", "Agent"
    API = "api", "API"
    AUTO_REPLY = "auto_reply", "Auto-reply"
    BROADCAST = "broadcast", "Broadcast"
    SCHEDULE = "schedule", "Scheduled"
    SYSTEM = "system", "Blazz"  # a line in the thread: an assignment, a status change


# Messages that live only in Blazz, never sent to the bridge nor in the customer's copy of a chat:
# an agent's private note, and the thread's system lines ("Ana assigned this to Budi").
NOTE = "note"
SYSTEM = "system"
INBOX_ONLY_TYPES: tuple[str, ...] = (NOTE, SYSTEM)
MESSAGE_TYPE_CHOICES = [*MessageType.choices, (NOTE, "Private note"), (SYSTEM, "System line")]


class MediaStatus(models.TextChoices):
    PENDING = "pending"  # inbound: the worker has not fetched it from the bridge yet
    READY = "ready"
    FAILED = "failed"


class MediaFile(models.Model):
    """An uploaded file (to send) or an inbound one (fetched from the bridge by a worker)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to="media/%Y/%m/", blank=True)
    mimetype = models.CharField(_("MIME type"), max_length=100)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    # Known when stored (chats.media_files.probe): a picture's pixels, a sound's or video's seconds.
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MediaStatus.choices, default=MediaStatus.READY)
    error = models.CharField(max_length=300, blank=True)
    bridge_media_id = models.CharField(max_length=200, blank=True)
    session = models.ForeignKey("sessions_wa.WhatsAppSession", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    # Voice notes (chats/audio.py): 64 loudness peaks 0..100 for the bubble's bars.
    waveform = models.JSONField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_constraint=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("media file")
        verbose_name_plural = _("media files")

    def __str__(self):
        return self.filename or str(self.id)


class Message(models.Model):
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="messages")
    session = models.ForeignKey("sessions_wa.WhatsAppSession", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="messages")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    type = models.CharField(_("type"), max_length=10, choices=MESSAGE_TYPE_CHOICES, default=MessageType.TEXT)
    body = models.TextField(blank=True)
    caption = models.TextField(blank=True)
    media = models.ForeignKey(MediaFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    location = models.JSONField(null=True, blank=True)
    contact_card = models.JSONField(null=True, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    failure_reason = models.CharField(max_length=500, blank=True)
    wa_message_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    client_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reply_to_wa_id = models.CharField(max_length=200, blank=True, help_text="Quoted id, kept when unknown here.")
    history = models.BooleanField(default=False, help_text="Fetched after the fact (a catch-up after downtime, a "
                                                           "history import): stored, not notified, not answered.")

    edits = models.JSONField(default=list, blank=True, help_text="Earlier texts: [{body, edited_at}].")
    system_data = models.JSONField(null=True, blank=True,
                                   help_text="A system line's facts ({kind, by, to, status...}): each viewer's "
                                             "language renders them; `body` keeps the English.")
    edited_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(_("deleted by sender"), default=False,
                                  help_text="Deleted by the sender; the content is kept for agents.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    forwarded = models.BooleanField(default=False, db_default=False, help_text="WhatsApp's \"Forwarded\" mark.")
    forwarded_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                       help_text="Our forward's source (its WhatsApp id goes to the bridge).")

    origin = models.CharField(max_length=12, choices=MessageOrigin.choices, default=MessageOrigin.AGENT,
                              db_default=MessageOrigin.AGENT)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", db_constraint=False)
    send_attempts = models.PositiveIntegerField(default=0)
    # The delivery chain's heartbeat (messages_requeue_stuck): when a send task is due (queued by a
    # send, retry or requeue, or its own retry's due time; null: it could not be queued) and when
    # one last started calling the bridge for it.
    send_queued_at = models.DateTimeField(null=True, blank=True)
    send_attempted_at = models.DateTimeField(null=True, blank=True)

    timestamp = models.DateTimeField(_("time"), help_text="When it happened on WhatsApp: a thread's order.")
    created_at = models.DateTimeField(auto_now_add=True)
    # Moved by a database trigger on every UPDATE, whichever path writes (chats/migrations/0005):
    # `GET /api/v1/messages/?updated_since=`.
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    played_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    search = models.GeneratedField(
        expression=SearchVector(Coalesce("body", models.Value(""), output_field=models.TextField()),
                                Coalesce("caption", models.Value(""), output_field=models.TextField()),
                                config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index("contact", models.F("timestamp").desc(), models.F("id").desc(), name="message_thread_idx"),
            GinIndex(fields=["search"], name="message_search_idx"),
            models.Index(fields=["status", "created_at"], name="message_status_idx"),
            models.Index(fields=["updated_at"], name="message_updated_idx"),
        ]

    def __str__(self):
        return f"{self.direction} {self.type} {self.pk}"


class Reaction(models.Model):
    """One reaction per reactor per message; a new emoji replaces it, "" removes it.
    `reactor` is the reactor's WhatsApp id, or "me" for this workspace's own number."""

    ME = "me"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    reactor = models.CharField(max_length=100)
    emoji = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_constraint=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [models.UniqueConstraint(fields=["message", "reactor"], name="reaction_one_per_reactor")]

    def __str__(self):
        return f"{self.emoji} by {self.reactor}"


class PendingMessageEvent(models.Model):
    """A bridge event about a message not known yet (an ack that overtook its message). Kept, and
    applied when the message appears: never dropped."""

    wa_message_id = models.CharField(_("WhatsApp message id"), max_length=200, db_index=True)
    type = models.CharField(_("type"), max_length=40)
    data = models.JSONField()
    session_id = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending message event")
        verbose_name_plural = _("pending message events")
        ordering = ["received_at", "id"]


class ErasureRecord(models.Model):
    """The audit line a contact's erasure leaves (UU 27/2022, GDPR art. 17): who, when, how much.
    No content, no phone, no name: only the id the contact had."""

    contact_id = models.PositiveBigIntegerField()
    erased_by_user_id = models.PositiveBigIntegerField(null=True, blank=True)
    erased_by_api_key_id = models.PositiveBigIntegerField(null=True, blank=True)
    erased_at = models.DateTimeField(auto_now_add=True)
    messages = models.PositiveIntegerField(default=0)
    media_files = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0, help_text="Event log rows about them deleted.")

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["-erased_at", "-id"]

    def __str__(self):
        return f"contact {self.contact_id} erased {self.erased_at:%Y-%m-%d}"


class ChatMute(models.Model):
    """One agent's mute of one chat (no desktop notification, no chime on any of their devices):
    until `muted_until`, or for good when it is empty. chats/services/mutes.py writes it."""

    # The user row lives in the public schema: no cascade from there (a removed member's mutes
    # are inert, and go with the chat).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+",
                             db_constraint=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="mutes")
    muted_until = models.DateTimeField(null=True, blank=True, help_text="Empty: muted until unmuted.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chat mute")
        verbose_name_plural = _("chat mutes")
        constraints = [models.UniqueConstraint(fields=["user", "contact"], name="chat_mute_one_per_agent")]

    def __str__(self):
        return f"contact {self.contact_id} muted by user {self.user_id}"
