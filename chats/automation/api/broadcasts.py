"""/api/v1/broadcasts/ (with start, pause, resume, cancel, progress and recipients), a contact's
opt-out, and a number's send limits."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import NotFound
from blazz.core.openapi import error_responses
from blazz.core.parsers import JSONParser
from blazz.core.validation import StorableJson
from chats.api.common import actor, contact_or_404
from chats.automation.api.common import AdminWrites
from chats.automation.models import Broadcast, BroadcastRecipient, SendLimits
from chats.automation.services import broadcasts as service, governor, optout
from sessions_wa import store as sessions_store

CSV_MAX_BYTES = 5 * 1024 * 1024


class BroadcastSerializer(serializers.ModelSerializer):
    template_id = serializers.IntegerField(read_only=True)
    session_id = serializers.CharField(read_only=True)
    progress = serializers.SerializerMethodField()
    estimate_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Broadcast
        fields = ["id", "name", "template_id", "session_id", "status", "pause_reason", "audience", "start_at",
                  "started_at", "finished_at", "created_at", "progress", "estimate_seconds"]

    def get_progress(self, obj) -> dict:
        return service.broadcast_progress(obj)

    def get_estimate_seconds(self, obj) -> float:
        return round(service.broadcast_estimate_seconds(obj), 1)


class RecipientSerializer(serializers.ModelSerializer):
    contact_id = serializers.IntegerField(read_only=True)
    phone = serializers.CharField(source="contact.phone", read_only=True)
    name = serializers.CharField(source="contact.display_name", read_only=True)
    message_id = serializers.IntegerField(read_only=True, allow_null=True)
    message_status = serializers.CharField(source="message.status", read_only=True, allow_null=True, default=None)

    class Meta:
        model = BroadcastRecipient
        fields = ["id", "contact_id", "phone", "name", "variables", "status", "error", "message_id", "message_status",
                  "sent_at"]


class BroadcastInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    template_id = serializers.IntegerField()
    session_id = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)
    audience = serializers.JSONField(required=False, default=dict, validators=[StorableJson()])
    csv = serializers.CharField(required=False, allow_blank=True, default="", max_length=CSV_MAX_BYTES,
                                trim_whitespace=False)
    file = serializers.FileField(required=False, allow_null=True, default=None)
    start = serializers.BooleanField(required=False, default=False)
    start_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class BroadcastListApi(AdminWrites, APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(operation_id="broadcasts_list", responses={200: BroadcastSerializer(many=True),
                                                              **error_responses(401, 403)})
    def get(self, request):
        rows = Broadcast.objects.select_related("session")[:100]
        return Response(BroadcastSerializer(rows, many=True).data)

    @extend_schema(operation_id="broadcasts_create", request=BroadcastInput,
                   responses={201: BroadcastSerializer, **error_responses(400, 401, 403, 404, 409)},
                   description="A broadcast and its recipients (audience or CSV: phone plus variable columns); "
                               "`bad_rows` lists the CSV lines left out, with the reason.")
    def post(self, request):
        data = BroadcastInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        csv_text = values["csv"]
        if values["file"] is not None:
            csv_text = values["file"].read(CSV_MAX_BYTES + 1).decode("utf-8-sig", errors="replace")
        broadcast, bad = service.broadcast_create(name=values["name"], template_id=values["template_id"],
                                                  session_id=values["session_id"], audience=values["audience"],
                                                  csv_text=csv_text or None, user=actor(request))
        if values["start"] or values["start_at"]:
            broadcast = service.broadcast_start(broadcast=broadcast, start_at=values["start_at"])
        body = BroadcastSerializer(service.broadcast_get(broadcast.pk)).data
        return Response({**body, "bad_rows": bad}, status=status.HTTP_201_CREATED)


class BroadcastDetailApi(APIView):
    @extend_schema(operation_id="broadcasts_retrieve", responses={200: BroadcastSerializer,
                                                                  **error_responses(401, 403, 404)})
    def get(self, request, broadcast_id: int):
        return Response(BroadcastSerializer(service.broadcast_get(broadcast_id)).data)


class BroadcastActionApi(AdminWrites, APIView):
    class InputSerializer(serializers.Serializer):
        start_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(operation_id="broadcasts_action", request=InputSerializer,
                   responses={200: BroadcastSerializer, **error_responses(400, 401, 403, 404, 409)},
                   description="start (now or at start_at), pause, resume, cancel. Each is idempotent.")
    def post(self, request, broadcast_id: int, action: str):
        broadcast = service.broadcast_get(broadcast_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if action in ("start", "resume"):
            broadcast = service.broadcast_start(broadcast=broadcast, start_at=data.validated_data["start_at"])
        elif action == "pause":
            broadcast = service.broadcast_pause(broadcast=broadcast)
        elif action == "cancel":
            broadcast = service.broadcast_cancel(broadcast=broadcast)
        else:
            raise NotFound()
        return Response(BroadcastSerializer(service.broadcast_get(broadcast.pk)).data)


class RecipientCursor(CursorPagination):
    ordering = ("id",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class BroadcastRecipientsApi(APIView):
    pagination_class = RecipientCursor

    @extend_schema(operation_id="broadcasts_recipients", responses={200: RecipientSerializer(many=True),
                                                                    **error_responses(401, 403, 404)})
    def get(self, request, broadcast_id: int):
        broadcast = service.broadcast_get(broadcast_id)
        rows = broadcast.recipients.select_related("contact", "message")
        if request.query_params.get("status"):
            rows = rows.filter(status=request.query_params["status"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(RecipientSerializer(page, many=True).data)


class OptOutSerializer(serializers.Serializer):
    opted_out = serializers.BooleanField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ContactOptOutApi(APIView):
    @extend_schema(operation_id="contacts_opt_out_retrieve", responses={200: OptOutSerializer,
                                                                        **error_responses(401, 403, 404)})
    def get(self, request, contact_id: int):
        found = optout.optout_get(contact_or_404(contact_id))
        return Response({"opted_out": found is not None, "reason": found.reason if found else ""})

    @extend_schema(operation_id="contacts_opt_out_update", request=OptOutSerializer,
                   responses={200: OptOutSerializer, **error_responses(400, 401, 403, 404)})
    def put(self, request, contact_id: int):
        contact = contact_or_404(contact_id)
        data = OptOutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        optout.optout_set(contact=contact, opted_out=data.validated_data["opted_out"],
                          reason=data.validated_data["reason"] or "set by an agent")
        found = optout.optout_get(contact)
        return Response({"opted_out": found is not None, "reason": found.reason if found else ""})


class SendLimitsSerializer(serializers.ModelSerializer):
    class Meta:
        model = SendLimits
        fields = ["per_minute", "per_hour", "per_day", "min_delay_ms", "max_delay_ms", "warmup_days"]
        extra_kwargs = {name: {"min_value": 0, "max_value": 1_000_000} for name in fields}


class EffectiveLimitsSerializer(serializers.Serializer):
    per_minute = serializers.IntegerField()
    per_hour = serializers.IntegerField()
    per_day = serializers.IntegerField()
    min_delay_ms = serializers.IntegerField()
    max_delay_ms = serializers.IntegerField()
    warming_up = serializers.BooleanField()


class SendLimitsOutput(serializers.Serializer):
    configured = SendLimitsSerializer()
    effective = EffectiveLimitsSerializer()


class SendLimitsApi(AdminWrites, APIView):
    @extend_schema(operation_id="send_limits_retrieve", responses={200: SendLimitsOutput, **error_responses(401, 403, 404)})
    def get(self, request, session_id: str):
        return Response(self._body(self._session(session_id)))

    @extend_schema(operation_id="send_limits_update", request=SendLimitsSerializer,
                   responses={200: SendLimitsOutput, **error_responses(400, 401, 403, 404)})
    def put(self, request, session_id: str):
        session = self._session(session_id)
        row = SendLimits.objects.filter(session=session).first() or SendLimits(session=session)
        data = SendLimitsSerializer(row, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        data.save(session=session)
        return Response(self._body(session))

    @staticmethod
    def _session(session_id):
        session = sessions_store.session_by_id(session_id, live=True) if len(session_id) <= 64 else None
        if session is None:
            raise NotFound("session_not_found", _("No such session."))
        return session

    @staticmethod
    def _body(session) -> dict:
        row = SendLimits.objects.filter(session=session).first()
        effective = governor.limits_for(session)
        return {"configured": SendLimitsSerializer(row).data if row else {}, "effective": effective.__dict__}
