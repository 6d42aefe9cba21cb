"""Every periodic job of beat, in one place. Per-workspace jobs fan out through
workspaces.tasks.for_each_workspace; intervals that tests shorten come from the environment."""

from __future__ import annotations


def schedule(env, *, webhook_sweep_seconds: float) -> dict:
    return {
        "sessions-reconcile": {
            # Suspended workspaces too: the reconcile is what keeps their sessions stopped.
            "task": "workspaces.tasks.for_each_workspace", "schedule": 30.0,
            "args": ["sessions_wa.tasks.sessions_reconcile_task"], "kwargs": {"include_suspended": True},
        },
        "messages-requeue-stuck": {
            # Every few seconds: a send whose task could not be queued (the broker restarting) waits
            # for this sweep (chats.services.delivery.messages_requeue_stuck).
            "task": "workspaces.tasks.for_each_workspace", "schedule": env.float("SEND_SWEEP_SECONDS", default=5.0),
            "args": ["chats.tasks.messages_requeue_stuck_task"],
        },
        "chats-wake-snoozed": {
            "task": "workspaces.tasks.for_each_workspace", "schedule": 30.0,
            "args": ["chats.tasks.chats_wake_snoozed_task"],
        },
        "bridge-nodes-failover": {
            # Public: moves the sessions of dead or draining bridge nodes (sessions_wa.failover).
            "task": "sessions_wa.tasks.nodes_failover_task",
            "schedule": env.float("BRIDGE_FAILOVER_INTERVAL_SECONDS", default=10.0),
        },
        "messages-retention": {"task": "workspaces.tasks.for_each_workspace", "schedule": 3600.0,  # retention_days set only
                               "args": ["chats.tasks.messages_retention_task"]},
        "scheduled-messages-send": {
            "task": "workspaces.tasks.for_each_workspace", "schedule": env.float("SCHEDULED_SWEEP_SECONDS", default=2.0),
            "args": ["chats.automation.tasks.scheduled_send_due_task"],
        },
        "broadcasts-kick": {
            "task": "workspaces.tasks.for_each_workspace", "schedule": 10.0,
            "args": ["chats.automation.tasks.broadcasts_kick_task"],
        },
        "applied-webhooks-prune": {
            "task": "workspaces.tasks.for_each_workspace", "schedule": 6 * 3600.0,
            "args": ["webhooks.tasks.applied_webhooks_prune_task"],
        },
        "webhook-endpoints-sweep": {
            "task": "workspaces.tasks.for_each_workspace", "schedule": webhook_sweep_seconds,
            "args": ["webhooks.tasks.webhook_endpoints_sweep_task"],
        },
        "event-log-prune": {
            "task": "workspaces.tasks.for_each_workspace", "schedule": 3600.0,
            "args": ["webhooks.tasks.event_log_prune_task"],
        },
    }
