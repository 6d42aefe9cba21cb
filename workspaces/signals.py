"""Signals the public app sends to the tenant apps (which it must not import)."""

from django.dispatch import Signal

# Sent after commit when a superuser suspends or resumes a workspace; kwargs: workspace.
# sessions_wa stops (or starts again) the workspace's WhatsApp sessions on the bridge.
workspace_suspension_changed = Signal()
