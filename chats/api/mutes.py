"""An agent's muted chats: `GET /mutes/`, `PUT|DELETE /contacts/{id}/mute/`. A mute is a member's
own (an API key has none): it silences that chat's desktop notifications and chime on every
device of theirs (chats/services/mutes.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import Forbidden
from blazz.core.openapi import error_responses
from chats import selectors
from chats.api.common import actor, contact_or_404, viewer
from chats.errors import ChatErrorCode as Code
from chats.models import ChatMute
from chats.services import mutes


class MuteSerializer(serializers.ModelSerializer):
    muted_until = serializers.DateTimeField(allow_null=True, help_text="null: muted until unmuted")

    class Meta:
        model = ChatMute
        fields = ["contact_id", "muted_until", "updated_at"]


def member(request):
    user = actor(request)
    if user is None:
        raise Forbidden(Code.MEMBER_ONLY, _("Only a member can mute a chat: an API key has no notifications."))
    return user


class MuteListApi(APIView):
    @extend_schema(operation_id="mutes_list", responses={200: MuteSerializer(many=True), **error_responses(401, 403)},
                   description="The chats the calling member has muted now (ended mutes are left out).")
    def get(self, request):
        user = member(request)
        return Response(MuteSerializer(selectors.mute_list(user_id=user.pk, viewer_id=viewer(request)), many=True).data)


class ContactMuteApi(APIView):
    class InputSerializer(serializers.Serializer):
        until = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                          help_text="When the mute ends (ISO 8601); null or absent: for good")

    @extend_schema(operation_id="contacts_mute", request=InputSerializer,
                   responses={200: MuteSerializer, **error_responses(400, 401, 403, 404)},
                   description="Mute this chat for the calling member, until a time or for good. Idempotent.")
    def put(self, request, contact_id: int):
        user = member(request)
        contact = contact_or_404(contact_id, request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mute = mutes.chat_mute(contact=contact, user_id=user.pk, until=data.validated_data["until"])
        return Response(MuteSerializer(mute).data)

    @extend_schema(operation_id="contacts_unmute", responses={204: None, **error_responses(401, 403, 404)},
                   description="Unmute this chat for the calling member. Idempotent.")
    def delete(self, request, contact_id: int):
        user = member(request)
        mutes.chat_unmute(contact=contact_or_404(contact_id, request), user_id=user.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
