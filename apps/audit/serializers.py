from rest_framework import serializers

from apps.audit.models import AuditAction, AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "event_id",
            "occurred_at",
            "actor_id",
            "actor_label",
            "actor_role",
            "action",
            "object_type",
            "object_id",
            "patient_id",
            "data_category",
            "request_id",
            "ip",
            "via",
            "detail",
        ]


class AuditFilterSerializer(serializers.Serializer):
    patient = serializers.UUIDField(required=False)
    actor = serializers.UUIDField(required=False)
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "Must be after 'since'."})
        return attrs


class AccessLogEntrySerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    who = serializers.CharField(help_text="Staff member's name, or 'Interlude (automated)' for AI processing")
    role = serializers.CharField()
    action = serializers.CharField()
    data_category = serializers.CharField(help_text="What kind of data, e.g. profile, journal, check-in")
    detail = serializers.DictField(help_text="For AI processing: which job and model")
