from rest_framework import serializers

from portal.tenancy.roles import MEMBERSHIP_ROLES

from .models import ApiKey


class ApiKeySerializer(serializers.ModelSerializer):
    owner_active = serializers.SerializerMethodField(
        help_text="False once the key's creator left the partner or was deactivated: the key then no longer works.")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "role", "created_at", "last_used_at", "revoked_at", "owner_active"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_owner_active(self, key: ApiKey) -> bool:
        if hasattr(key, "owner_active"):
            return key.owner_active
        from .services import api_key_owner_membership

        return api_key_owner_membership(key) is not None


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=MEMBERSHIP_ROLES)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The full key. Shown once; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
