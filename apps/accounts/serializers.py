from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import (
    STAFF_ACCOUNT_ROLE_CHOICES,
    CareTeamMember,
    CareTeamRole,
    ConsentDecision,
    ConsentDocument,
    ConsentKind,
    ConsentRecord,
    Device,
    DevicePlatform,
    Invitation,
    PatientProfile,
    Practice,
    Role,
    User,
    validate_timezone,
)


class TimezoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)
        self.validators.append(validate_timezone)


# --- auth -----------------------------------------------------------------------------------
class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"}, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class MfaChallengeSerializer(serializers.Serializer):
    mfa_required = serializers.BooleanField(help_text="Always true: send a code with the challenge to finish")
    challenge = serializers.CharField(help_text="Short-lived (MFA_CHALLENGE_SECONDS); names no one readable")


class MfaCodeSerializer(serializers.Serializer):
    challenge = serializers.CharField(max_length=1024)
    code = serializers.CharField(max_length=32, help_text="6 digits from the authenticator, or a recovery code")


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class StaffSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "display_name"]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    practice = serializers.SerializerMethodField()
    patient_id = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "roles", "practice", "patient_id"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Role.choices)))
    def get_roles(self, obj: User) -> list[str]:
        return sorted(obj.roles)

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_practice(self, obj: User) -> dict | None:
        p = obj.practice
        return None if p is None else {"id": str(p.id), "name": p.name, "slug": p.slug}

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_patient_id(self, obj: User):
        profile = getattr(obj, "patient_profile", None) if obj.is_patient else None
        return profile.id if profile else None


# --- patients --------------------------------------------------------------------------------
class CareTeamMemberSerializer(serializers.ModelSerializer):
    user = StaffSummarySerializer(read_only=True)

    class Meta:
        model = CareTeamMember
        fields = ["id", "user", "role", "added_at"]


class CareTeamAssignSerializer(serializers.Serializer):
    user = serializers.UUIDField()
    role = serializers.ChoiceField(choices=CareTeamRole.choices)


class PatientSerializer(serializers.ModelSerializer):
    timezone = TimezoneField(required=False)
    care_team = CareTeamMemberSerializer(many=True, read_only=True)
    enrolled = serializers.SerializerMethodField()

    class Meta:
        model = PatientProfile
        fields = [
            "id",
            "full_name",
            "date_of_birth",
            "timezone",
            "preferred_language",
            "emergency_contact_name",
            "emergency_contact_phone",
            "crisis_resource_region",
            "care_team",
            "enrolled",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "care_team", "enrolled", "created_at", "updated_at"]

    def get_enrolled(self, obj: PatientProfile) -> bool:
        return obj.user_id is not None

    def validate_date_of_birth(self, value):
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError("Date of birth cannot be in the future.")
        return value


class PatientCreateSerializer(PatientSerializer):
    primary_clinician = serializers.UUIDField(required=False, write_only=True)

    class Meta(PatientSerializer.Meta):
        fields = [*PatientSerializer.Meta.fields, "primary_clinician"]
        extra_kwargs = {"full_name": {"required": True, "allow_blank": False}}


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "status", "created_at", "expires_at", "redeemed_at", "revoked_at"]


class IssuedInvitationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField(help_text="Shown once. Typed by the patient, case and dashes ignored.")
    qr_payload = serializers.CharField(help_text="Encode as a QR code for the patient app to scan.")
    qr_svg = serializers.CharField(help_text="The QR payload rendered as an SVG image.")
    expires_at = serializers.DateTimeField()


class RedeemSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    username = serializers.RegexField(r"^[A-Za-z0-9.@+_-]{3,150}$", max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})


class EnrolmentResultSerializer(TokenPairSerializer):
    patient_id = serializers.UUIDField()


# --- consent ---------------------------------------------------------------------------------
class ConsentDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentDocument
        fields = ["id", "kind", "version", "title", "text", "published_at"]
        read_only_fields = ["id", "version", "published_at"]


class ConsentRecordSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="document.version", read_only=True)

    class Meta:
        model = ConsentRecord
        fields = ["id", "kind", "version", "decision", "decided_at", "revoked_at"]


class ConsentDecisionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    version = serializers.IntegerField(min_value=1)
    decision = serializers.ChoiceField(choices=ConsentDecision.choices)


class ConsentStateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    granted = serializers.BooleanField()
    current = ConsentRecordSerializer(allow_null=True)
    latest_version = serializers.IntegerField(allow_null=True)
    needs_review = serializers.BooleanField(help_text="A newer version exists than the one last decided on.")
    history = ConsentRecordSerializer(many=True)


# --- devices ---------------------------------------------------------------------------------
class DeviceSerializer(serializers.ModelSerializer):
    token = serializers.CharField(max_length=1024, write_only=True)
    platform = serializers.ChoiceField(choices=DevicePlatform.choices)

    class Meta:
        model = Device
        fields = [
            "id",
            "token",
            "token_type",
            "platform",
            "app_version",
            "created_at",
            "last_seen_at",
            "unregistered_at",
        ]
        read_only_fields = ["id", "created_at", "last_seen_at", "unregistered_at"]


class DeviceRefreshSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1024, required=False)
    app_version = serializers.CharField(max_length=32, required=False, allow_blank=True)


# --- staff and practice ------------------------------------------------------------------------
class StaffSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=STAFF_ACCOUNT_ROLE_CHOICES), allow_empty=False)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, write_only=True)
    password = serializers.CharField(max_length=256, write_only=True, trim_whitespace=False)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "roles",
            "title",
            "password",
            "is_active",
            "last_login",
            "locked_until",
        ]
        read_only_fields = ["id", "is_active", "last_login", "locked_until"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["roles"] = sorted(instance.roles)
        return data


class StaffUpdateSerializer(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=STAFF_ACCOUNT_ROLE_CHOICES), allow_empty=False, required=False
    )
    is_active = serializers.BooleanField(required=False)
    display_name = serializers.CharField(max_length=150, required=False)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)


class PracticeSerializer(serializers.ModelSerializer):
    timezone = TimezoneField(required=False)

    class Meta:
        model = Practice
        fields = [
            "id",
            "name",
            "slug",
            "timezone",
            "default_crisis_region",
            "keep_journal_audio",
            "risk_screen_unshared_journals",
            "multilingual_speech",
            "show_patient_themes",
            "require_staff_mfa",
            "created_at",
        ]
        read_only_fields = ["id", "slug", "created_at"]
