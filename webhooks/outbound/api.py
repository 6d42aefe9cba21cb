"""`GET /api/v1/events/`: the workspace's event log, in seq order, for CRMs catching up."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import DomainError
from blazz.core.events import ADVANCING
from blazz.core.openapi import error_responses
from webhooks.errors import WebhookErrorCode as Code
from webhooks.outbound.log import event_list, event_resume_problem
from workspaces.permissions import IsWorkspaceMember

EVENTS_PAGE_MAX = 1000


class EnvelopeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="evt_...: the same id as the webhook-id header of its deliveries")
    type = serializers.ChoiceField(choices=list(ADVANCING))
    workspace = serializers.CharField()
    seq = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    data = serializers.DictField(help_text="The event's payload: the socket frame's fields (docs/realtime.md)")


class EventListApi(APIView):
    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        after_seq = serializers.IntegerField(min_value=0, max_value=2**63 - 1, required=False)
        limit = serializers.IntegerField(min_value=1, max_value=EVENTS_PAGE_MAX, default=100)
        types = serializers.CharField(required=False, help_text="Comma-separated event types")

    class OutputSerializer(serializers.Serializer):
        events = EnvelopeSerializer(many=True)
        next_after_seq = serializers.IntegerField(help_text="Ask again with after_seq set to this")
        has_more = serializers.BooleanField()

    @extend_schema(operation_id="events_list", parameters=[InputSerializer],
                   responses={200: OutputSerializer, **error_responses(400, 401, 403, 410, codes={410: [Code.RESYNC_REQUIRED]})})
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        after_seq = data.validated_data.get("after_seq")
        limit = data.validated_data["limit"]
        types = [t for t in data.validated_data.get("types", "").split(",") if t] or None
        if types and set(types) - set(ADVANCING):
            raise DomainError(message=_("Unknown event type."), fields={"types": [f"One of: {', '.join(ADVANCING)}."]})
        if after_seq is not None and (problem := event_resume_problem(after_seq=after_seq)):
            raise DomainError(Code.RESYNC_REQUIRED, _("Cannot resume after that seq (%(problem)s): refetch over REST.") % {"problem": problem},
                              status=410)
        found = event_list(after_seq=after_seq or 0, limit=limit, types=types)
        schema = request.tenant.schema_name
        return Response({"events": [event.envelope(schema) for event in found],
                         "next_after_seq": found[-1].seq if found else (after_seq or 0),
                         "has_more": len(found) == limit})
