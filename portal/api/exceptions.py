"""SPEC A error format: {"errors": [{"field": …, "code": …, "message": …}]}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import PortalError


def _field_name(parent: str | None, key) -> str | None:
    """`lines` + 1 → `lines[1]`; `lines[1]` + `quantity` → `lines[1].quantity`; errors about the
    whole object (non_field_errors) keep the parent's name."""
    if key in ("non_field_errors", "detail"):
        return parent
    if isinstance(key, int) or str(key).isdigit():
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _flatten(detail, field=None) -> list[dict]:
    if isinstance(detail, dict):
        return [error for key, value in detail.items() for error in _flatten(value, _field_name(field, key))]
    if isinstance(detail, list):
        out = []
        for index, item in enumerate(detail):
            nested = isinstance(item, dict | list) and field is not None
            out.extend(_flatten(item, _field_name(field, index) if nested else field))
        return out
    return [{"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def exception_handler(exc, context):
    if isinstance(exc, PortalError):
        return Response({"errors": [exc.as_dict()]}, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    else:
        errors = [{"field": None, "code": getattr(exc, "default_code", "error"), "message": str(exc.detail)}]
    response.data = {"errors": errors}
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Api-Key realm="api"'
    return response
