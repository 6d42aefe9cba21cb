"""/api/v1/ on a workspace host: every app's API views in one table."""

from django.urls import path

from workspaces import api as workspaces_api

urlpatterns = [
    path("me/", workspaces_api.MeApi.as_view(), name="me"),
    path("members/", workspaces_api.MemberListApi.as_view(), name="members"),
    path("members/<int:member_id>/", workspaces_api.MemberDetailApi.as_view(), name="member-detail"),
    path("api-keys/", workspaces_api.ApiKeyListApi.as_view(), name="api-keys"),
    path("api-keys/<int:key_id>/", workspaces_api.ApiKeyDetailApi.as_view(), name="api-key-detail"),
]
