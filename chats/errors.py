import enum


class ChatErrorCode(str, enum.Enum):
    CONTACT_NOT_FOUND = "contact_not_found"
    MESSAGE_NOT_FOUND = "message_not_found"
    MEDIA_NOT_FOUND = "media_not_found"
    PHONE_INVALID = "phone_invalid"
    CLIENT_ID_CONFLICT = "client_id_conflict"
    CLIENT_ID_REQUIRED = "client_id_required"
    BODY_REQUIRED = "body_required"
    MEDIA_REQUIRED = "media_required"
    MEDIA_NOT_READY = "media_not_ready"
    TYPE_INVALID = "type_invalid"
    NOT_FAILED = "not_failed"
    NOT_OUTBOUND = "not_outbound"
    NOT_SENT_YET = "not_sent_yet"
    EMOJI_INVALID = "emoji_invalid"
    REPLY_TO_NOT_FOUND = "reply_to_not_found"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    ASSIGNEE_NOT_MEMBER = "assignee_not_member"
    BRIDGE_UNAVAILABLE = "bridge_unavailable"
    VARIABLES_MISSING = "variables_missing"
