"""Practices (tenants), users and roles, patients and their care teams, enrolment, consent, devices."""

from __future__ import annotations

import functools
import hashlib
import hmac
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from apps.core.fields import EncryptedCharField, EncryptedDateField, EncryptedTextField


@functools.cache
def iana_timezones() -> frozenset[str]:
    """The IANA zone names, read once per process: ``available_timezones()`` walks the zone database
    on disk (some 600 file opens), which cost every write with a time zone about 30 ms (issue 20)."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in iana_timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone (e.g. America/New_York).")


def staff_mfa_default() -> bool:
    """A new practice's ``require_staff_mfa``: ``STAFF_MFA_DEFAULT`` (on in production, off in development)."""
    return settings.STAFF_MFA_DEFAULT


class Practice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    default_crisis_region = models.CharField(max_length=8, default="US")
    keep_journal_audio = models.BooleanField(
        default=False, help_text="Keep (encrypted) journal audio after transcription instead of deleting it"
    )
    risk_screen_unshared_journals = models.BooleanField(
        default=True,
        help_text="Analyse journal entries the patient did not share for risk language (with AI consent). "
        "Staff never read the entry; a risk signal names the level and the detector only.",
    )
    multilingual_speech = models.BooleanField(
        default=True,
        help_text="Transcribe speech that is not English with the multilingual model (when installed). Off: only "
        "the English model runs and other languages are not transcribed (the recording waits for a person).",
    )
    show_patient_themes = models.BooleanField(
        default=False, help_text="Let patients see their own recurring themes, in supportive wording"
    )
    require_staff_mfa = models.BooleanField(
        default=staff_mfa_default,
        help_text="Every staff sign-in (web and API) needs a one-time code from an authenticator app",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PATIENT = "patient"
    CLINICIAN = "clinician"
    CARE_TEAM = "care_team"
    PRACTICE_ADMIN = "practice_admin"


STAFF_ROLES = frozenset({Role.CLINICIAN, Role.CARE_TEAM})
# Roles a practice admin can give a staff account (patients enrol themselves).
STAFF_ACCOUNT_ROLE_CHOICES = [(r.value, r.label) for r in (Role.CARE_TEAM, Role.CLINICIAN, Role.PRACTICE_ADMIN)]


class User(AbstractUser):
    """A login. Belongs to exactly one practice (a clinician at two practices has two accounts).

    Patients keep names and contact details in the encrypted ``PatientProfile``, never here.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    display_name = models.CharField(max_length=150, blank=True)
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(practice__isnull=False) | Q(is_superuser=True), name="user_has_practice_unless_superuser"
            )
        ]

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(m.role for m in self.memberships.all())

    @property
    def primary_role(self) -> str:
        for role in (Role.PATIENT, Role.CLINICIAN, Role.CARE_TEAM, Role.PRACTICE_ADMIN):
            if role in self.roles:
                return str(role)
        return "superuser" if self.is_superuser else "none"

    @property
    def is_patient(self) -> bool:
        return Role.PATIENT in self.roles

    @property
    def is_care_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_practice_admin(self) -> bool:
        return Role.PRACTICE_ADMIN in self.roles

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    title = models.CharField(max_length=100, blank=True, help_text="e.g. Psychiatrist, Case manager")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_membership_per_role")]


class PatientProfile(models.Model):
    """The clinical record's anchor. Exists from the moment a clinician registers the patient;
    ``user`` is set when the patient redeems their enrolment code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="patients")
    user = models.OneToOneField(User, on_delete=models.PROTECT, null=True, blank=True, related_name="patient_profile")
    full_name = EncryptedCharField(max_length=200)
    date_of_birth = EncryptedDateField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    preferred_language = models.CharField(max_length=16, default="en")
    emergency_contact_name = EncryptedCharField(max_length=200, blank=True, default="")
    emergency_contact_phone = EncryptedCharField(max_length=40, blank=True, default="")
    crisis_resource_region = models.CharField(max_length=8, default="US")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class CareTeamRole(models.TextChoices):
    PRIMARY_CLINICIAN = "primary_clinician"
    CLINICIAN = "clinician"
    PSYCHIATRIST = "psychiatrist"
    CASE_MANAGER = "case_manager"
    ON_CALL = "on_call"
    SUPERVISOR = "supervisor"
    OTHER = "other"


class CareTeamMember(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="care_assignments")
    role = models.CharField(max_length=32, choices=CareTeamRole.choices)
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "user"], name="one_assignment_per_staff"),
            models.UniqueConstraint(
                fields=["patient"], condition=Q(role="primary_clinician"), name="one_primary_clinician"
            ),
        ]


class Invitation(models.Model):
    """Single-use enrolment code. Only an HMAC of the code is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="invitations")
    code_digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def status(self) -> str:
        if self.redeemed_at:
            return "redeemed"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ConsentKind(models.TextChoices):
    AI_PROCESSING = "ai_processing"
    JOURNAL_SHARING = "journal_sharing"
    SESSION_RECORDING = "session_recording"


class ConsentDocument(models.Model):
    """A published version of a consent text. Versions are immutable; publish a new one to change."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="consent_documents")
    kind = models.CharField(max_length=32, choices=ConsentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "kind", "version"], name="one_consent_version")]


class ConsentDecision(models.TextChoices):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ConsentRecord(models.Model):
    """Append-only: each decision is a row; the newest row per kind is the patient's current choice.
    When a later decision replaces an acceptance, the acceptance gets ``revoked_at``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=ConsentKind.choices)
    decision = models.CharField(max_length=16, choices=ConsentDecision.choices)
    decided_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "kind", "decided_at"])]


class DevicePlatform(models.TextChoices):
    IOS = "ios"
    ANDROID = "android"
    WEB = "web"


class TokenType(models.TextChoices):
    REGISTRATION_TOKEN = "registration_token"  # noqa: S105 - a token kind, not a secret
    FID = "fid"  # Firebase installation ID, which FCM is moving to


def device_token_digest(token: str) -> str:
    """The lookup key of a push token: an HMAC under ``SECRET_KEY`` (like enrolment codes), because the
    token itself is encrypted with a random IV and cannot be filtered on."""
    return hmac.new(settings.SECRET_KEY.encode(), b"device-token:" + token.encode(), hashlib.sha256).hexdigest()


class Device(models.Model):
    """A push token. Unregistered tokens keep their row (with ``unregistered_at``) as history.

    The token addresses one person's phone, so it is encrypted like PHI; ``token_digest`` (kept in step
    by ``save``) is the unique column lookups use (``Device.objects.filter(token_digest=…)``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    token = EncryptedTextField()
    token_digest = models.CharField(max_length=64, unique=True)
    token_type = models.CharField(max_length=24, choices=TokenType.choices, default=TokenType.REGISTRATION_TOKEN)
    platform = models.CharField(max_length=16, choices=DevicePlatform.choices)
    app_version = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    unregistered_at = models.DateTimeField(null=True, blank=True)

    def save(self, *args, **kwargs):
        self.token_digest = device_token_digest(self.token)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "token" in update_fields:
            kwargs["update_fields"] = {*update_fields, "token_digest"}
        super().save(*args, **kwargs)


class LoginAddressLock(models.Model):
    """Wrong passwords or codes in a row for one account from one address, and that pair's lock.
    A stranger who knows a username locks only their own address out (``LOGIN_MAX_FAILURES``); the
    account as a whole locks after the slower ``LOGIN_ACCOUNT_MAX_FAILURES`` (``User.locked_until``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    ip = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ip"], name="one_login_lock_per_address")]


class StaffMfa(models.Model):
    """A staff member's TOTP authenticator (RFC 6238). The shared secret is encrypted at rest like
    other secrets; ``confirmed_at`` is set once the person proved the app shows the right codes.
    ``last_step`` is the last 30-second step accepted, so a code cannot be used twice."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mfa")
    secret = EncryptedCharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class RecoveryCode(models.Model):
    """A single-use recovery code. Only a keyed hash is stored; the codes are shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "digest"])]


class BreakGlassGrant(models.Model):
    """Emergency read access for a clinician of the practice who is not on the patient's care team.

    The only widening of the care-team rule (``apps.accounts.scoping.patients_visible_to`` reads the
    unexpired grants). Clinical read access only, until ``expires_at``; every read under it carries the
    grant's id in its audit event; the practice admins and the primary clinician are told at once;
    a practice admin reviews each grant afterwards. ``reason`` may name clinical facts, so it is
    encrypted; ``expires_at`` and ``reviewed_at`` stay plain because scoping and the queue filter on them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="break_glass_grants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="break_glass_grants")
    reason = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(max_length=16, blank=True, default="")
    review_note = EncryptedTextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]


class ErasureRequest(models.Model):
    """A request to erase a patient's record: made by the patient (``/me/erasure/``) or a practice
    admin, carried out at once by ``apps.privacy.services.erasure``. The row keeps no PHI: who asked, when,
    what was removed (counts by kind), and what was kept by law (signed notes, the audit trail)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    patient_ref = models.UUIDField(db_index=True, help_text="The erased patient's id (the row itself is gone)")
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_by_role = models.CharField(max_length=32)
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    removed = models.JSONField(default=dict)
    retained = models.JSONField(default=dict)


class ExportState(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


class PatientExport(models.Model):
    """A patient's download of everything held about them, built in the background (``ml`` queue:
    it reads every row and the audio). ``progress`` is 0-100 for the app's bar; the zip is stored
    encrypted through the audio storage API under ``storage_key`` and deleted at ``expires_at``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    state = models.CharField(max_length=16, choices=ExportState.choices, default=ExportState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True, default="")
    storage_key = models.CharField(max_length=300, blank=True, default="")
    size_bytes = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
