import enum


class AutomationErrorCode(str, enum.Enum):
    TEMPLATE_NOT_FOUND = "template_not_found"
    TEMPLATE_NAME_TAKEN = "template_name_taken"
    TEMPLATE_VARIABLE_UNKNOWN = "template_variable_unknown"
    TEMPLATE_MEDIA_INVALID = "template_media_invalid"
    RULE_NOT_FOUND = "rule_not_found"
    RULE_INVALID = "rule_invalid"
    REGEX_INVALID = "regex_invalid"
    HOURS_INVALID = "business_hours_invalid"
    SCHEDULED_NOT_FOUND = "scheduled_message_not_found"
    SCHEDULED_NOT_EDITABLE = "scheduled_message_not_editable"
    SEND_AT_INVALID = "send_at_invalid"
    BROADCAST_NOT_FOUND = "broadcast_not_found"
    BROADCAST_INVALID = "broadcast_invalid"
    BROADCAST_FINISHED = "broadcast_finished"
    SETTINGS_INVALID = "automation_settings_invalid"
    SEND_LIMIT_REACHED = "send_limit_reached"
