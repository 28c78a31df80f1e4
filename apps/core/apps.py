from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from rest_framework import serializers

        from apps.core import fields  # (also connects the key-rotation signal)

        # An encrypted JSON column serializes as the JSON it holds, as a plain JSONField column did,
        # not as its text: every ModelSerializer listing one gets a JSON field, read and write.
        serializers.ModelSerializer.serializer_field_mapping[fields.EncryptedJSONField] = serializers.JSONField
