import enum


class WorkspaceErrorCode(str, enum.Enum):
    SLUG_INVALID = "slug_invalid"
    SLUG_RESERVED = "slug_reserved"
    SLUG_TAKEN = "slug_taken"
    NAME_INVALID = "name_invalid"
    EMAIL_INVALID = "email_invalid"
    EMAIL_TAKEN = "email_taken"
    WEAK_PASSWORD = "weak_password"
    ROLE_INVALID = "role_invalid"
    NOT_A_MEMBER = "not_a_member"
    OWNER_REQUIRED = "owner_required"
    SESSION_REQUIRED = "session_required"
    LAST_OWNER = "last_owner"
    MEMBER_EXISTS = "member_exists"
    MEMBER_NOT_FOUND = "member_not_found"
    API_KEY_NOT_FOUND = "api_key_not_found"
    INVALID_API_KEY = "invalid_api_key"
    WORKSPACE_NOT_FOUND = "workspace_not_found"
    WORKSPACE_SUSPENDED = "workspace_suspended"
    INVALID_TOKEN = "invalid_token"
