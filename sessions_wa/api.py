"""Sessions API: the workspace's WhatsApp numbers."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import DomainError, ErrorCode, NotFound
from blazz.core.openapi import error_responses
from blazz.core.validation import StorableJson, text_errors
from sessions_wa import selectors, services
from sessions_wa.errors import SessionErrorCode as Code
from sessions_wa.models import Engine
from sessions_wa.serializers import SessionSerializer
from workspaces.permissions import IsWorkspaceAdmin, IsWorkspaceMember


class SessionListApi(APIView):
    class InputSerializer(serializers.Serializer):
        engine = serializers.ChoiceField(choices=Engine.choices, default=Engine.SANDBOX)
        name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        options = serializers.DictField(required=False, default=dict, validators=[StorableJson()])

    def get_permissions(self):
        return [IsWorkspaceAdmin()] if self.request.method == "POST" else [IsWorkspaceMember()]

    @extend_schema(operation_id="sessions_list", responses={200: SessionSerializer(many=True), **error_responses(401, 403)})
    def get(self, request):
        return Response(SessionSerializer(selectors.session_list(), many=True).data)

    @extend_schema(operation_id="sessions_create", request=InputSerializer,
                   responses={201: SessionSerializer, **error_responses(400, 401, 403, 409)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_create(**data.validated_data)
        return Response(SessionSerializer(selectors.session_get(session.pk)).data, status=status.HTTP_201_CREATED)


def session_or_404(session_id: str):
    errors = text_errors(session_id=session_id)
    if errors:  # no session can have such an id, and PostgreSQL cannot even compare it
        raise DomainError(ErrorCode.INVALID_REQUEST, _("Invalid session id."), fields=errors)
    session = selectors.session_get(session_id)
    if session is None:
        raise NotFound(Code.SESSION_NOT_FOUND, _("No such session."))
    return session


class SessionDetailApi(APIView):
    def get_permissions(self):
        return [IsWorkspaceAdmin()] if self.request.method == "DELETE" else [IsWorkspaceMember()]

    def _get(self, session_id):
        return session_or_404(session_id)

    @extend_schema(operation_id="sessions_retrieve", responses={200: SessionSerializer, **error_responses(400, 401, 403, 404)})
    def get(self, request, session_id: str):
        return Response(SessionSerializer(self._get(session_id)).data)

    @extend_schema(operation_id="sessions_logout", responses={200: SessionSerializer, **error_responses(400, 401, 403, 404)})
    def delete(self, request, session_id: str):
        return Response(SessionSerializer(services.session_logout(session=self._get(session_id))).data)


class SessionPairingCodeApi(APIView):
    """"Link with phone number instead": a code to type on the phone, while the QR code is shown."""

    class InputSerializer(serializers.Serializer):
        phone = serializers.CharField(max_length=40)

    def get_permissions(self):
        return [IsWorkspaceAdmin()]

    @extend_schema(operation_id="sessions_pairing_code", request=InputSerializer,
                   responses={200: SessionSerializer, **error_responses(400, 401, 403, 404, 409, 502, 503, codes={
                       409: [Code.NOT_WAITING_FOR_SCAN], 502: [Code.BRIDGE_ERROR], 503: [Code.BRIDGE_UNAVAILABLE]})})
    def post(self, request, session_id: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_request_pairing_code(session=session_or_404(session_id), phone=data.validated_data["phone"])
        return Response(SessionSerializer(session).data)
