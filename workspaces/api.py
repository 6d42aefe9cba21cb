"""Workspace API on a workspace host: who am I, members, API keys; and signup on the public host."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import Forbidden
from blazz.core.openapi import error_responses
from workspaces import invitations, preferences, selectors, services, throttle
from workspaces.authentication import ApiKeyPrincipal
from workspaces.errors import WorkspaceErrorCode as Code
from workspaces.locale import member_timezone
from workspaces.models import Language, Role
from workspaces.permissions import IsWorkspaceAdminWithSession, IsWorkspaceMember, request_membership


class WorkspaceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    host = serializers.CharField()
    url = serializers.CharField()
    language = serializers.CharField()
    timezone = serializers.CharField()
    country = serializers.CharField(help_text="Default country of phone numbers typed without their country code.")
    retention_days = serializers.IntegerField(
        allow_null=True, help_text="Messages and media older than this many days are deleted; null: kept.")


class MemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField(source="user.id", help_text="What a chat's assignee_id names.")
    email = serializers.CharField(source="user.email")
    name = serializers.SerializerMethodField()
    role = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_name(self, membership) -> str:
        return membership.user.get_full_name() or membership.user.email


class ApiKeyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class MeProfileInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="The member's display name (1 to 100 characters).")


class MeApi(APIView):
    permission_classes = [IsWorkspaceMember]

    class OutputSerializer(serializers.Serializer):
        workspace = WorkspaceOutput()
        user = inline_serializer("MeUser", {"id": serializers.IntegerField(allow_null=True),
                                            "email": serializers.CharField(), "name": serializers.CharField()})
        role = serializers.CharField()
        preferences = inline_serializer("MePreferences", {
            "language": serializers.CharField(help_text="The member's own choice; '' = the workspace's."),
            "timezone": serializers.CharField(help_text="The member's own choice; '' = the workspace's."),
            "effective_language": serializers.CharField(),
            "effective_timezone": serializers.CharField(),
        })
        limits = inline_serializer("MeLimits", {
            "media_max_upload_bytes": serializers.IntegerField(help_text="Larger uploads are refused (413)."),
        })

    @extend_schema(operation_id="me", responses={200: OutputSerializer, **error_responses(401, 403)})
    def get(self, request):
        membership = None
        if isinstance(request.user, ApiKeyPrincipal):
            user = {"id": None, "email": "", "name": request.user.username}
            role = "api_key"
        else:
            user = {"id": request.user.pk, "email": request.user.email,
                    "name": request.user.get_full_name() or request.user.email}
            membership = request_membership(request)
            role = membership.role
        limits = {"media_max_upload_bytes": settings.MEDIA_MAX_UPLOAD_BYTES}
        return Response(self.OutputSerializer({"workspace": request.tenant, "user": user, "role": role,
                                               "preferences": preferences_of(membership, request.tenant),
                                               "limits": limits}).data)

    @extend_schema(operation_id="me_update", request=MeProfileInput,
                   responses={200: OutputSerializer, **error_responses(400, 401, 403)})
    def patch(self, request):
        """The signed-in member's own profile: their display name."""
        if request_membership(request) is None:  # an API key has no profile
            raise Forbidden(Code.SESSION_REQUIRED, _("A profile belongs to a member who is logged in."))
        data = MeProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        preferences.member_set_name(user=request.user, name=data.validated_data["name"])
        return self.get(request)


def preferences_of(membership, workspace) -> dict:
    return {
        "language": getattr(membership, "language", "") or "",
        "timezone": getattr(membership, "timezone", "") or "",
        "effective_language": getattr(membership, "language", "") or workspace.language,
        "effective_timezone": member_timezone(membership=membership, workspace=workspace),
    }


class MePreferencesApi(APIView):
    """The signed-in member's language and time zone ('' = the workspace's)."""

    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        language = serializers.CharField(required=False, allow_blank=True, max_length=8)
        timezone = serializers.CharField(required=False, allow_blank=True, max_length=64)

    @extend_schema(operation_id="me_preferences_update", request=InputSerializer,
                   responses={200: MeApi.OutputSerializer().fields["preferences"], **error_responses(400, 401, 403)})
    def patch(self, request):
        membership = request_membership(request)
        if membership is None:  # an API key has no preferences of its own
            raise Forbidden(Code.SESSION_REQUIRED, _("Preferences belong to a member who is logged in."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preferences.membership_set_preferences(membership=membership, **data.validated_data)
        return Response(preferences_of(membership, request.tenant))


class WorkspacePreferencesApi(APIView):
    """The workspace's default language, time zone and retention (owners and admins, logged in)."""

    permission_classes = [IsWorkspaceAdminWithSession]

    class InputSerializer(serializers.Serializer):
        language = serializers.ChoiceField(choices=Language.choices, required=False)
        timezone = serializers.CharField(required=False, max_length=64)
        retention_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=36500)

    @extend_schema(operation_id="workspace_preferences_update", request=InputSerializer,
                   responses={200: WorkspaceOutput, **error_responses(400, 401, 403)})
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = preferences.workspace_set_preferences(
            workspace=request.tenant, actor_membership=request_membership(request), **data.validated_data)
        return Response(WorkspaceOutput(workspace).data)


class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    role = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class MemberListApi(APIView):
    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=300)
        role = serializers.ChoiceField(choices=Role.choices, default=Role.AGENT)

        def validate(self, attrs):
            if "password" in self.initial_data:
                raise serializers.ValidationError({"password": [
                    _("Not accepted: the person chooses their own password when they accept the invitation.")]})
            return attrs

    class CreatedSerializer(InvitationOutput):
        invite_url = serializers.CharField(help_text="The link to accept (valid 7 days, once); also emailed.")

    @extend_schema(operation_id="members_list", responses={200: MemberOutput(many=True), **error_responses(401, 403)})
    def get(self, request):
        return Response(MemberOutput(selectors.member_list(workspace=request.tenant), many=True).data)

    @extend_schema(operation_id="members_add", request=InputSerializer,
                   responses={201: CreatedSerializer, **error_responses(400, 401, 403, 409)},
                   description="Invites the email (owners only): the person becomes a member when they accept the "
                               "link, with their own account. The answer is the same whether or not the email has an "
                               "account; repeating it renews the pending invitation (older links stop working).")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, invite_url = invitations.member_invite(
            workspace=request.tenant, actor=request.user, email=data.validated_data["email"],
            role=data.validated_data["role"],
        )
        body = InvitationOutput(invitation).data
        body["invite_url"] = invite_url
        return Response(body, status=status.HTTP_201_CREATED)


class InvitationListApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(operation_id="invitations_list", responses={200: InvitationOutput(many=True), **error_responses(401, 403)})
    def get(self, request):
        return Response(InvitationOutput(invitations.invitation_list(workspace=request.tenant), many=True).data)


class InvitationDetailApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(operation_id="invitations_revoke", responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, invitation_id: int):
        invitations.invitation_revoke(workspace=request.tenant, actor=request.user, invitation_id=invitation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberDetailApi(APIView):
    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Role.choices, required=False)

    @extend_schema(operation_id="members_update", request=InputSerializer,
                   responses={200: MemberOutput, **error_responses(400, 401, 403, 404, 409)},
                   description="A PATCH: what is left out stays as it is (an empty body changes nothing).")
    def patch(self, request, member_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_change_role(
            workspace=request.tenant, actor=request.user, membership_id=member_id,
            role=data.validated_data.get("role"),
        )
        return Response(MemberOutput(membership).data)

    @extend_schema(operation_id="members_remove", responses={204: None, **error_responses(401, 403, 404, 409)})
    def delete(self, request, member_id: int):
        services.member_remove(workspace=request.tenant, actor=request.user, membership_id=member_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiKeyListApi(APIView):
    """Owners and admins with a session only: an API key neither lists, creates nor revokes keys."""

    permission_classes = [IsWorkspaceAdminWithSession]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)

    class CreatedSerializer(ApiKeyOutput):
        key = serializers.CharField(help_text="The key in clear. Shown once: it is not stored.")

    @extend_schema(operation_id="api_keys_list", responses={200: ApiKeyOutput(many=True), **error_responses(401, 403)},
                   description="Owners and admins logged in on the workspace host; an API key: 403 `session_required`.")
    def get(self, request):
        return Response(ApiKeyOutput(selectors.api_key_list(workspace=request.tenant), many=True).data)

    @extend_schema(operation_id="api_keys_create", request=InputSerializer,
                   responses={201: CreatedSerializer, **error_responses(400, 401, 403)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key, raw_key = services.api_key_create(
            workspace=request.tenant, name=data.validated_data["name"], created_by=request.user
        )
        body = ApiKeyOutput(key).data
        body["key"] = raw_key
        return Response(body, status=status.HTTP_201_CREATED)


class ApiKeyDetailApi(APIView):
    permission_classes = [IsWorkspaceAdminWithSession]

    @extend_schema(operation_id="api_keys_revoke", responses={200: ApiKeyOutput, **error_responses(401, 403, 404)})
    def delete(self, request, key_id: int):
        key = services.api_key_revoke(workspace=request.tenant, key_id=key_id)
        return Response(ApiKeyOutput(key).data)


class SignupApi(APIView):
    """Public host: create an account and its first workspace (the JSON twin of /signup/)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        # Blank values pass through: the service validates them and answers with a specific code.
        email = serializers.CharField(max_length=300, allow_blank=True)
        password = serializers.CharField(max_length=200, write_only=True, allow_blank=True)
        slug = serializers.CharField(max_length=64, allow_blank=True)
        name = serializers.CharField(max_length=300, allow_blank=True)

    @extend_schema(operation_id="signup", request=InputSerializer,
                   responses={201: WorkspaceOutput, **error_responses(400, 409, 429)})
    def post(self, request):
        wait = throttle.take(throttle.SIGNUPS_PER_IP, throttle.client_ip(request))
        if wait:
            raise Throttled(wait=wait, detail=throttle.wait_message(wait))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _user, workspace = services.signup(**data.validated_data)
        return Response(WorkspaceOutput(workspace).data, status=status.HTTP_201_CREATED)
