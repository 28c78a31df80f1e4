"""The shapes of sessions, inputs, transcripts and notes over the API (and the web app's forms)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.notes.models import ClinicalSession, InputKind, Modality, Note, SessionFormat, SessionInput


class SessionSerializer(serializers.ModelSerializer):
    modality = serializers.ChoiceField(choices=Modality.choices)
    format = serializers.ChoiceField(choices=SessionFormat.choices, required=False)
    template_key = serializers.SlugField(required=False, help_text="soap, dap, birp, girp or a practice template")

    class Meta:
        model = ClinicalSession
        fields = [
            "id",
            "clinician",
            "started_at",
            "ended_at",
            "modality",
            "format",
            "participants",
            "template_key",
            "created_at",
        ]
        read_only_fields = ["id", "clinician", "created_at"]

    def validate(self, attrs):
        if attrs.get("ended_at") and attrs["ended_at"] <= attrs["started_at"]:
            raise serializers.ValidationError({"ended_at": ["Must be after started_at."]})
        return attrs


class SpeakerAttributionSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="stereo_channels | voice_clusters | dictation")
    model = serializers.CharField(help_text="Speaker model (voice encoder or channel energy)")
    confidence = serializers.FloatField(allow_null=True, help_text="0..1: how sure the speaker labels are")
    needs_confirmation = serializers.BooleanField(help_text="Ask the clinician which voice is theirs")
    confirmed = serializers.BooleanField(help_text="The clinician has relabelled or confirmed the speakers")


class InputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SessionInput
        fields = ["id", "kind", "status", "error", "audio_format", "audio_seconds", "created_at"]


class InputStatusSerializer(serializers.ModelSerializer):
    attribution = serializers.SerializerMethodField(
        help_text="stereo_channels, voice_clusters, dictation or typed_labels"
    )
    speakers_confirmed = serializers.SerializerMethodField()
    dropped_segments = serializers.SerializerMethodField(help_text="How many transcribed segments were set aside")
    speakers = serializers.SerializerMethodField()

    class Meta:
        model = SessionInput
        fields = [
            "id",
            "kind",
            "status",
            "error",
            "audio_format",
            "audio_seconds",
            "attribution",
            "speakers_confirmed",
            "dropped_segments",
            "speakers",
            "created_at",
        ]

    @extend_schema_field(SpeakerAttributionSerializer(allow_null=True))
    def get_speakers(self, item: SessionInput) -> dict | None:
        """How sure the speaker labels of a recording are; null until it is transcribed, and for typed
        or dictated inputs."""
        speakers = (item.transcription or {}).get("speakers")
        if item.kind != InputKind.RECORDING or not speakers:
            return None
        return {
            "method": item.transcription.get("attribution", ""),
            "model": speakers.get("model", ""),
            "confidence": speakers.get("confidence"),
            "needs_confirmation": bool(speakers.get("needs_confirmation")),
            "confirmed": bool(speakers.get("confirmed_by")),
        }

    def get_attribution(self, obj) -> str:
        return (obj.transcription or {}).get("attribution", "")

    def get_speakers_confirmed(self, obj) -> bool:
        return bool((obj.transcription or {}).get("speakers_confirmed"))

    def get_dropped_segments(self, obj) -> int:
        return len(obj.dropped)


class DroppedSegmentSerializer(serializers.Serializer):
    start = serializers.FloatField()
    end = serializers.FloatField()
    text = serializers.CharField()
    reason = serializers.ChoiceField(choices=["known_hallucination", "no_speech", "crosstalk"])
    channel = serializers.ChoiceField(choices=["clinician", "patient", "mono"])


class DroppedSegmentsSerializer(serializers.Serializer):
    input_id = serializers.UUIDField()
    segments = DroppedSegmentSerializer(many=True)


class InputCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InputKind.choices)
    audio = serializers.FileField(required=False)
    text = serializers.CharField(required=False, max_length=50000)

    def validate(self, attrs):
        if attrs["kind"] == InputKind.TYPED and not attrs.get("text"):
            raise serializers.ValidationError({"text": ["A typed summary needs text."]})
        if attrs["kind"] != InputKind.TYPED and not attrs.get("audio"):
            raise serializers.ValidationError({"audio": ["Upload the audio."]})
        return attrs


class RelabelSerializer(serializers.Serializer):
    labels = serializers.DictField(
        child=serializers.ChoiceField(choices=["clinician", "patient", "other"]),
        help_text="utterance index -> speaker; {} confirms the labels as they are",
        required=False,
        default=dict,
    )
    swap_roles = serializers.BooleanField(
        default=False, help_text="Exchange clinician and patient everywhere first (the other voice was mine)"
    )


class WordSerializer(serializers.Serializer):
    word = serializers.CharField()
    start = serializers.FloatField()
    end = serializers.FloatField()


class UtteranceSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    speaker = serializers.CharField()
    text = serializers.CharField()
    start = serializers.FloatField(allow_null=True)
    end = serializers.FloatField(allow_null=True)
    words = WordSerializer(
        many=True, required=False, help_text="Word timings (recordings transcribed since speakers 2.0)"
    )


class NoteSerializer(serializers.ModelSerializer):
    sections = serializers.SerializerMethodField()

    class Meta:
        model = Note
        fields = [
            "id",
            "version",
            "status",
            "template_key",
            "template_version",
            "sections",
            "provenance",
            "amendment_reason",
            "content_hash",
            "signed_by",
            "signed_at",
            "created_at",
        ]

    def get_sections(self, obj) -> list[dict]:
        return obj.sections


class NoteEditSerializer(serializers.Serializer):
    sections = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=20000), help_text="section key -> new text"
    )


class DraftRequestSerializer(serializers.Serializer):
    engine = serializers.ChoiceField(choices=["default", "llm"], default="default")


class AmendSerializer(NoteEditSerializer):
    reason = serializers.CharField(max_length=500)


class RiskReviewDecisionSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, help_text="The review item's id (the note's provenance.risk_review)")
    decision = serializers.ChoiceField(choices=["confirm", "dismiss"], help_text="confirm raises the alert")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
