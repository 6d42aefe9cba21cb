"""/api/v1/business-hours/ and /api/v1/auto-replies/ (with the tester and the order)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.openapi import error_responses
from blazz.core.validation import StorableJson
from chats.automation.api.common import AdminWrites, BusinessHoursSerializer, RuleSerializer
from chats.automation.models import AutoReplyRule, MatchType, Trigger
from chats.automation.services import hours as hours_service, rules as service
from chats.automation.services.rules import SETTABLE_STATUSES
from chats.models import ChatStatus
from workspaces import scopes
from workspaces.scopes import Scope


class BusinessHoursApi(AdminWrites, APIView):
    api_key_scopes = scopes.READ_AND_MANAGE

    class InputSerializer(serializers.Serializer):
        timezone = serializers.CharField(max_length=64, required=False)
        weekly = serializers.JSONField(required=False, validators=[StorableJson()])
        closed_dates = serializers.JSONField(required=False, validators=[StorableJson()])

    @extend_schema(operation_id="business_hours_retrieve", responses={200: BusinessHoursSerializer,
                                                                      **error_responses(401, 403)})
    def get(self, request):
        return Response(BusinessHoursSerializer(hours_service.hours_get()).data)

    @extend_schema(operation_id="business_hours_update", request=InputSerializer,
                   responses={200: BusinessHoursSerializer, **error_responses(400, 401, 403)})
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(BusinessHoursSerializer(hours_service.hours_save(**data.validated_data)).data)


class RuleInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    position = serializers.IntegerField(min_value=0, required=False)
    enabled = serializers.BooleanField(required=False, default=True)
    session_ids = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list)
    trigger = serializers.ChoiceField(choices=Trigger.choices, default=Trigger.KEYWORD)
    match_type = serializers.ChoiceField(choices=MatchType.choices, default=MatchType.CONTAINS)
    pattern = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    condition_statuses = serializers.ListField(child=serializers.ChoiceField(choices=ChatStatus.choices), required=False,
                                               default=list, max_length=4)
    condition_label_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                                max_length=50)
    condition_contact_is_new = serializers.BooleanField(required=False, allow_null=True, default=None)
    condition_unassigned = serializers.BooleanField(required=False, allow_null=True, default=None)
    reply_template_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    reply_text = serializers.CharField(max_length=4096, required=False, allow_blank=True, default="")
    assign_to_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    add_label_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                          max_length=50)
    set_status = serializers.ChoiceField(choices=[("", "—"), *[(s, s) for s in SETTABLE_STATUSES]], required=False,
                                         allow_blank=True, default="")
    cooldown_seconds = serializers.IntegerField(min_value=0, max_value=30 * 86400, required=False, default=86400)
    stop_here = serializers.BooleanField(required=False, default=True)


class RuleListApi(AdminWrites, APIView):
    api_key_scopes = scopes.READ_AND_MANAGE

    @extend_schema(operation_id="auto_replies_list", responses={200: RuleSerializer(many=True),
                                                                **error_responses(401, 403)})
    def get(self, request):
        return Response(RuleSerializer(AutoReplyRule.objects.all(), many=True).data)

    @extend_schema(operation_id="auto_replies_create", request=RuleInput,
                   responses={201: RuleSerializer, **error_responses(400, 401, 403)})
    def post(self, request):
        data = RuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = service.rule_save(**data.validated_data)
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class RuleDetailApi(AdminWrites, APIView):
    api_key_scopes = scopes.READ_AND_MANAGE

    @extend_schema(operation_id="auto_replies_retrieve", responses={200: RuleSerializer,
                                                                    **error_responses(401, 403, 404)})
    def get(self, request, rule_id: int):
        return Response(RuleSerializer(service.rule_get(rule_id)).data)

    @extend_schema(operation_id="auto_replies_update", request=RuleInput(partial=True),
                   responses={200: RuleSerializer, **error_responses(400, 401, 403, 404)})
    def patch(self, request, rule_id: int):
        rule = service.rule_get(rule_id)
        data = RuleInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        given = {k: v for k, v in data.validated_data.items() if k in request.data}
        return Response(RuleSerializer(service.rule_save(rule=rule, **given)).data)

    @extend_schema(operation_id="auto_replies_delete", responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, rule_id: int):
        service.rule_delete(rule=service.rule_get(rule_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RuleOrderApi(APIView):
    api_key_scopes = {"POST": Scope.MANAGE}

    class InputSerializer(serializers.Serializer):
        rule_ids = serializers.ListField(child=serializers.IntegerField(), max_length=1000)

    def get_permissions(self):
        return AdminWrites.get_permissions(self)

    @extend_schema(operation_id="auto_replies_reorder", request=InputSerializer,
                   responses={200: RuleSerializer(many=True), **error_responses(400, 401, 403, 404)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(RuleSerializer(service.rules_reorder(rule_ids=data.validated_data["rule_ids"]), many=True).data)


class RuleTestApi(APIView):
    api_key_scopes = {"POST": Scope.READ}

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=65536, allow_blank=True, trim_whitespace=False)
        contact_is_new = serializers.BooleanField(required=False, default=False)
        session_id = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)
        contact_id = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None,
                                             help_text="A chat whose status, labels and assignee meet the conditions.")

    class OutputSerializer(serializers.Serializer):
        open_now = serializers.BooleanField()
        closed_period = serializers.CharField()
        rules = RuleSerializer(many=True)
        rule = RuleSerializer(allow_null=True)

    @extend_schema(operation_id="auto_replies_test", request=InputSerializer,
                   responses={200: OutputSerializer, **error_responses(400, 401, 403)},
                   description="Which rule this text would fire now (and any that would also fire before a stop); "
                               "with contact_id, in that chat (its status, labels, assignee and newness).")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = service.rules_test(**data.validated_data)
        result["rule"] = result["rules"][0] if result["rules"] else None
        return Response(self.OutputSerializer(result).data)
