"""The OpenAPI schema says what the API does (issue 10 item 14): the API-key security scheme, the
`Idempotency-Key` header on every mutating operation that honours it, and the error answers every
operation can give, in the SPEC A error format."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .idempotency import HEADER, MUTATING


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <key>` — keys are created by partner admins (Account → API keys)."}


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The input it is about (`lines[1].quantity`), or null.")
    code = serializers.CharField(help_text="Stable, for programs.")
    message = serializers.CharField(help_text="For people, in the caller's language.")


class ErrorSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


ERRORS = {
    "400": "Bad input: each error names its field.",
    "401": "No valid API key or session.",
    "403": "The caller's role may not do this.",
    "404": "No such object for the caller (someone else's is the same as a missing one), or no such page.",
    "409": "The object's state does not allow this, or this Idempotency-Key is still running or was used with "
           "another request.",
    "429": "Too many requests of this kind from the caller's partner; try again later.",
}
READ_ERRORS = ("400", "401", "403", "404")


class PortalAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method in MUTATING and getattr(self.view, "idempotent", False):
            parameters.append(OpenApiParameter(
                HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                description="A key of up to 255 characters, unique per request you mean: sending the same "
                            "request again with it replays the first response instead of acting twice "
                            "(kept for a day)."))
        return parameters

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method not in MUTATING else tuple(ERRORS)
        for code in codes:
            if code not in bodies:
                bodies[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                bodies[code]["description"] = ERRORS[code]
        return bodies
