from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.tenancy.roles import Perm

from . import services
from .base import TenantAPIView, TenantViewSet
from .models import ApiKey
from .selectors import api_keys_with_owner
from .serializers import ApiKeyCreatedSerializer, ApiKeyCreateSerializer, ApiKeySerializer


class MeView(TenantAPIView):
    """Who is calling: the partner, the role and what it may do."""

    @extend_schema(responses=inline_serializer("Me", {
        "partner": serializers.DictField(), "role": serializers.CharField(),
        "user": serializers.DictField(allow_null=True), "api_key": serializers.CharField(allow_null=True),
        "permissions": serializers.ListField(child=serializers.CharField()),
    }))
    def get(self, request):
        tenant = request.tenant
        partner = tenant.partner
        user = None if tenant.api_key else {"id": tenant.user.pk, "email": tenant.user.email,
                                           "name": tenant.user.get_full_name()}
        return Response({
            "partner": {"id": partner.pk, "name": partner.name, "account_number": partner.account_number,
                        "currency": partner.currency, "language": partner.language,
                        "time_zone": partner.time_zone},
            "reseller": {"id": tenant.reseller.pk, "name": tenant.reseller.name} if tenant.reseller else None,
            "role": tenant.role,
            "delegated": tenant.delegated,
            "user": user,
            "api_key": tenant.api_key.prefix if tenant.api_key else None,
            "permissions": sorted(p.value for p in Perm if tenant.can(p)),
        })


class ApiKeyViewSet(TenantViewSet):
    """Partner admins create (the key is in the response, once), list and revoke API keys."""

    model = ApiKey
    required_perm = Perm.API_KEYS_MANAGE
    idempotent = False  # the create response carries the key itself, which is never stored
    serializer_class = ApiKeySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiKey.unscoped.none()
        return api_keys_with_owner(tenant=self.request.tenant)

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request):
        payload = ApiKeyCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        key, raw = services.api_key_create(tenant=request.tenant, **payload.validated_data)
        data = ApiKeySerializer(key).data | {"key": raw}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        key = services.api_key_revoke(tenant=request.tenant, key=self.get_object())
        return Response(ApiKeySerializer(key).data)
