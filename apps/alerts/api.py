"""The care team's alert inbox and actions, and the practice's alert policy."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.door import PatientScopedViewSet
from apps.accounts.models import User
from apps.alerts.models import Alert, AlertDelivery, AlertPolicy, AlertState, DeliveryAttempt, Outcome, Severity
from apps.alerts.routing import policy_for
from apps.alerts.services import alert_acknowledge, alert_policy_update, alert_resolve
from apps.core.permissions import IsCareStaffOrAdmin, IsPracticeAdmin


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["channel", "result", "detail", "at"]


class DeliverySerializer(serializers.ModelSerializer):
    attempts = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = AlertDelivery
        fields = [
            "recipient",
            "tier",
            "reason",
            "push_status",
            "push_attempts",
            "websocket_sent_at",
            "created_at",
            "attempts",
        ]


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = [
            "id",
            "patient",
            "source",
            "severity",
            "state",
            "occurred_at",
            "signal_count",
            "escalation_level",
            "next_escalation_at",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_by",
            "resolved_at",
            "outcome",
            "needs_review",
            "review_reason",
            "created_at",
            "updated_at",
        ]


class AlertDetailSerializer(AlertSerializer):
    deliveries = DeliverySerializer(many=True, read_only=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "evidence", "note", "deliveries"]


class InboxFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AlertState.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    patient = serializers.UUIDField(required=False)


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


@extend_schema_view(
    list=extend_schema(parameters=[InboxFilterSerializer], summary="My alert inbox, newest first"),
    retrieve=extend_schema(
        responses={200: AlertDetailSerializer}, summary="One alert with its evidence and delivery log"
    ),
)
@extend_schema(tags=["alerts"])
class AlertViewSet(PatientScopedViewSet):
    """The staff inbox: alerts about every patient the caller may see clinically (their care-team
    patients), through the same door as patient data; anything else answers 404."""

    permission_classes = [IsCareStaffOrAdmin]
    audit_object_type = "alert"
    audit_data_category = "alert"

    def get_serializer_class(self):
        return AlertDetailSerializer if self.action == "retrieve" else AlertSerializer

    def get_base_queryset(self):
        qs = Alert.objects.order_by("-created_at")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch("deliveries", queryset=AlertDelivery.objects.prefetch_related("attempts"))
            )
        return qs

    def narrow_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filters = InboxFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        for field in ("state", "severity"):
            if filters.validated_data.get(field):
                queryset = queryset.filter(**{field: filters.validated_data[field]})
        if filters.validated_data.get("patient"):
            queryset = queryset.filter(patient_id=filters.validated_data["patient"])
        return queryset

    @extend_schema(request=None, responses={200: AlertSerializer}, summary="Acknowledge")
    def acknowledge(self, request, *args, **kwargs):
        return Response(AlertSerializer(alert_acknowledge(actor=request.user, alert=self.get_object())).data)

    @extend_schema(
        request=ResolveSerializer, responses={200: AlertSerializer}, summary="Resolve with an outcome and a note"
    )
    def resolve(self, request, *args, **kwargs):
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_resolve(actor=request.user, alert=self.get_object(), **data.validated_data)
        return Response(AlertSerializer(alert).data)


class PolicySerializer(serializers.ModelSerializer):
    on_call = serializers.PrimaryKeyRelatedField(many=True, queryset=User.objects.all(), required=False)
    supervisors = serializers.PrimaryKeyRelatedField(many=True, queryset=User.objects.all(), required=False)

    class Meta:
        model = AlertPolicy
        fields = [
            "routing",
            "escalation_minutes",
            "dedup_window_minutes",
            "on_call",
            "supervisors",
            "crisis_resources",
            "safety_plan_url",
            "tell_patient_alert_sent",
            "missed_checkins_days",
        ]

    def validate_routing(self, value):
        tiers = {"primary_clinician", "care_team", "on_call", "supervisor"}
        if not isinstance(value, dict) or set(value) - set(Severity.values):
            raise serializers.ValidationError("Map severities (urgent, high, routine) to lists of tiers.")
        for severity, listed in value.items():
            if not isinstance(listed, list) or set(listed) - tiers or not listed:
                raise serializers.ValidationError(f"{severity}: choose from {sorted(tiers)}.")
        return value

    def _same_practice(self, users):
        practice_id = self.context["request"].user.practice_id
        if any(u.practice_id != practice_id or not u.is_care_staff for u in users):
            raise serializers.ValidationError("Choose care staff of this practice.")
        return users

    def validate_on_call(self, users):
        return self._same_practice(users)

    def validate_supervisors(self, users):
        return self._same_practice(users)


class AlertPolicyView(APIView):
    permission_classes = [IsPracticeAdmin]

    @extend_schema(tags=["practice admin"], responses={200: PolicySerializer}, summary="The practice's alert policy")
    def get(self, request):
        return Response(PolicySerializer(policy_for(request.user.practice_id), context={"request": request}).data)

    @extend_schema(
        tags=["practice admin"],
        request=PolicySerializer,
        responses={200: PolicySerializer},
        summary="Change routing, escalation, crisis resources and patient wording",
    )
    def patch(self, request):
        policy = policy_for(request.user.practice_id)
        data = PolicySerializer(policy, data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        policy = alert_policy_update(actor=request.user, policy=policy, changes=dict(data.validated_data))
        return Response(PolicySerializer(policy, context={"request": request}).data)
