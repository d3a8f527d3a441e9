"""Base classes for every API view: tenant from the API key or the session, the role table for
permissions, scoped querysets, idempotency keys. Domain apps subclass these."""

from __future__ import annotations

from datetime import UTC

from django.db import transaction
from django.utils import timezone
from rest_framework import generics, mixins, viewsets
from rest_framework.views import APIView

from portal.tenancy.context import Tenant
from portal.tenancy.rls import rls_enter
from portal.tenancy.roles import Perm

from . import idempotency
from .models import ApiKey
from .services import api_key_tenant


class IdempotencyMixin:
    """`Idempotency-Key` on mutating requests (portal.api.idempotency): the claim, the work and
    the stored response share one transaction."""

    idempotent = True  # off where a response holds a secret shown once

    def dispatch(self, request, *args, **kwargs):
        if self.idempotent and request.method in idempotency.MUTATING and request.headers.get(idempotency.HEADER):
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self._idempotency_record = idempotency.claim(request) if self.idempotent else None

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            self._idempotency_record = None
            idempotency.settle(record, response)
        return super().finalize_response(request, response, *args, **kwargs)


class TenantAPIMixin(IdempotencyMixin):
    required_perm: Perm | None = None
    required_perms: dict[str, Perm] = {}  # by viewset action or lower-case method
    model = None  # a TenantModel; get_queryset() scopes it to the request's tenant
    lookup_value_regex = r"[0-9]+"  # ids are numbers: anything else is a 404 at the router

    def required_perm_for(self, request) -> Perm | None:
        action = getattr(self, "action", None) or request.method.lower()
        return self.required_perms.get(action, self.required_perm)

    @property
    def tenant(self) -> Tenant:
        return self.request.tenant

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: types only, no tenant
            return self.model.unscoped.none()
        return self.model.objects.for_tenant(self.request.tenant)

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)  # authentication, permissions, the Idempotency-Key claim
        if request.tenant is not None:
            rls_enter(request.tenant)  # the database, too, shows this partner's rows only (portal.tenancy.rls)

    def perform_authentication(self, request) -> None:
        # The API speaks UTC whoever calls (pages show the partner's wall clock): one format for clients.
        timezone.activate(UTC)
        super().perform_authentication(request)
        if isinstance(request.auth, ApiKey):
            request._request.tenant = api_key_tenant(request.auth)
        elif not hasattr(request._request, "tenant"):
            request._request.tenant = None



class TenantAPIView(TenantAPIMixin, APIView):
    pass


class TenantListAPIView(TenantAPIMixin, generics.ListAPIView):
    pass


class TenantReadOnlyViewSet(TenantAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass


class TenantViewSet(TenantAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    pass
