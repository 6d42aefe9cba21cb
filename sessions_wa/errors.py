import enum


class SessionErrorCode(str, enum.Enum):
    SESSION_NOT_FOUND = "session_not_found"
    SESSION_NOT_CONNECTED = "session_not_connected"
    NO_SESSION = "no_session"
    ENGINE_INVALID = "engine_invalid"
    SESSION_LIMIT_REACHED = "session_limit_reached"
    BRIDGE_UNAVAILABLE = "bridge_unavailable"
    BRIDGE_ERROR = "bridge_error"
    NOT_WAITING_FOR_SCAN = "not_waiting_for_scan"
    PHONE_INVALID = "phone_invalid"
