"""/api/v1/ on a workspace host: every app's API views in one table."""

from django.urls import path

from chats.api import contacts, export, media, messages
from chats.automation.api import broadcasts, rules, schedules, templates
from sessions_wa import api as sessions_api
from workspaces import api as workspaces_api

urlpatterns = [
    path("me/", workspaces_api.MeApi.as_view(), name="me"),
    path("me/preferences/", workspaces_api.MePreferencesApi.as_view(), name="me-preferences"),
    path("workspace/preferences/", workspaces_api.WorkspacePreferencesApi.as_view(), name="workspace-preferences"),
    path("members/", workspaces_api.MemberListApi.as_view(), name="members"),
    path("members/<int:member_id>/", workspaces_api.MemberDetailApi.as_view(), name="member-detail"),
    path("api-keys/", workspaces_api.ApiKeyListApi.as_view(), name="api-keys"),
    path("api-keys/<int:key_id>/", workspaces_api.ApiKeyDetailApi.as_view(), name="api-key-detail"),
    path("chats/", contacts.ChatListApi.as_view(), name="chats"),
    path("contacts/", contacts.ContactListApi.as_view(), name="contacts"),
    path("contacts/<int:contact_id>/", contacts.ContactDetailApi.as_view(), name="contact-detail"),
    path("contacts/<int:contact_id>/messages/", messages.ContactMessagesApi.as_view(), name="contact-messages"),
    path("contacts/<int:contact_id>/read/", contacts.ContactReadApi.as_view(), name="contact-read"),
    path("contacts/<int:contact_id>/export/", export.ContactExportApi.as_view(), name="contact-export"),
    path("messages/search/", messages.MessageSearchApi.as_view(), name="message-search"),
    path("messages/<int:message_id>/retry/", messages.MessageRetryApi.as_view(), name="message-retry"),
    path("messages/<int:message_id>/reactions/", messages.MessageReactionApi.as_view(), name="message-reactions"),
    path("media/", media.MediaUploadApi.as_view(), name="media-upload"),
    path("media/<str:media_id>/", media.MediaDetailApi.as_view(), name="media-detail"),
    path("sessions/", sessions_api.SessionListApi.as_view(), name="sessions"),
    path("sessions/<str:session_id>/", sessions_api.SessionDetailApi.as_view(), name="session-detail"),
    path("sessions/<str:session_id>/pairing-code/", sessions_api.SessionPairingCodeApi.as_view(),
         name="session-pairing-code"),
    path("templates/", templates.TemplateListApi.as_view(), name="templates"),
    path("templates/<int:template_id>/", templates.TemplateDetailApi.as_view(), name="template-detail"),
    path("templates/<int:template_id>/preview/", templates.TemplatePreviewApi.as_view(), name="template-preview"),
    path("business-hours/", rules.BusinessHoursApi.as_view(), name="business-hours"),
    path("auto-replies/", rules.RuleListApi.as_view(), name="auto-replies"),
    path("auto-replies/test/", rules.RuleTestApi.as_view(), name="auto-replies-test"),
    path("auto-replies/order/", rules.RuleOrderApi.as_view(), name="auto-replies-order"),
    path("auto-replies/<int:rule_id>/", rules.RuleDetailApi.as_view(), name="auto-reply-detail"),
    path("contacts/<int:contact_id>/scheduled/", schedules.ContactScheduledApi.as_view(), name="contact-scheduled"),
    path("broadcasts/", broadcasts.BroadcastListApi.as_view(), name="broadcasts"),
    path("broadcasts/<int:broadcast_id>/", broadcasts.BroadcastDetailApi.as_view(), name="broadcast-detail"),
    path("broadcasts/<int:broadcast_id>/recipients/", broadcasts.BroadcastRecipientsApi.as_view(),
         name="broadcast-recipients"),
    path("broadcasts/<int:broadcast_id>/<str:action>/", broadcasts.BroadcastActionApi.as_view(),
         name="broadcast-action"),
    path("contacts/<int:contact_id>/opt-out/", broadcasts.ContactOptOutApi.as_view(), name="contact-opt-out"),
    path("sessions/<str:session_id>/send-limits/", broadcasts.SendLimitsApi.as_view(), name="send-limits"),
    path("scheduled-messages/<int:scheduled_id>/", schedules.ScheduledDetailApi.as_view(), name="scheduled-detail"),
]
