import enum


class WebhookErrorCode(str, enum.Enum):
    INVALID_SIGNATURE = "invalid_signature"
    INVALID_PAYLOAD = "invalid_payload"
    UNKNOWN_WORKSPACE = "unknown_workspace"
    UNKNOWN_SESSION = "unknown_session"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    # The event log (GET /api/v1/events/).
    RESYNC_REQUIRED = "resync_required"
    # Outgoing webhooks.
    URL_NOT_ALLOWED = "url_not_allowed"
    WEBHOOK_NOT_FOUND = "webhook_not_found"
    DELIVERY_NOT_FOUND = "delivery_not_found"
    EVENT_GONE = "event_gone"
