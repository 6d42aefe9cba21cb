"""Public schema: the bridge nodes, which node holds which session (at which epoch), and the
shared auth store that lets a session move between nodes without a new QR scan.

Public, not per workspace: one bridge node serves sessions of many workspaces, and a node's
heartbeat asks for its sessions across all of them in one query.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BridgeNode(models.Model):
    """A bridge process, as its heartbeat describes it (docs/bridge.md "Bridge nodes")."""

    id = models.CharField(primary_key=True, max_length=100, help_text="The node's BRIDGE_NODE_ID.")
    url = models.CharField(_("URL"), max_length=300, help_text="Where Django reaches it (BRIDGE_PUBLIC_URL).")
    capacity = models.PositiveIntegerField(_("capacity"), default=50, help_text="Sessions it should hold.")
    memory_budget_bytes = models.BigIntegerField(null=True, blank=True)
    rss_bytes = models.BigIntegerField(default=0)
    load = models.JSONField(default=dict, blank=True,
                            help_text="Its last heartbeat's sessions by status, outbox depth and dead letters.")
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, db_index=True)
    draining = models.BooleanField(_("draining"), default=False,
                                   help_text="Move its sessions away and place none on it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bridge node")
        verbose_name_plural = _("bridge nodes")
        ordering = ["id"]

    def __str__(self):
        return self.id


class SessionPlacement(models.Model):
    """The node that owns a session. `epoch` grows at each move: commands carry it
    (`X-Blazz-Epoch`) and the node refuses an older one, so one node owns a session at a time.
    `node` is null while no live node was known (one bridge at BRIDGE_URL, heartbeats off)."""

    session_id = models.CharField(_("session id"), primary_key=True, max_length=64)
    schema_name = models.CharField(_("workspace schema"), max_length=63, db_index=True)
    node = models.ForeignKey(BridgeNode, verbose_name=_("node"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="placements")
    epoch = models.PositiveIntegerField(_("epoch"), default=0)
    engine = models.CharField(_("engine"), max_length=10)
    options = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True,
                                 help_text="False once the session was logged out and removed.")
    created_at = models.DateTimeField(auto_now_add=True)
    moved_at = models.DateTimeField(_("moved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("session placement")
        verbose_name_plural = _("session placements")
        ordering = ["session_id"]

    def __str__(self):
        return f"{self.session_id} @ {self.node_id or '-'} (epoch {self.epoch})"


class SessionAuth(models.Model):
    """The bridge's opaque login state of a session (webjs RemoteAuth zip, the sandbox's pairing
    JSON): GET/PUT/DELETE /internal/bridge/auth/<session_id>."""

    session_id = models.CharField(primary_key=True, max_length=64)
    data = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session login state")
        verbose_name_plural = _("session login states")

    def __str__(self):
        return self.session_id
