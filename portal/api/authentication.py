from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions

from .services import api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`. The request acts as the key's partner with the key's role."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(self.keyword + " "):
            return None
        key = api_key_authenticate(header[len(self.keyword) + 1:])
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        return (AnonymousUser(), key)

    def authenticate_header(self, request):
        return self.keyword
