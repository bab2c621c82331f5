"""API token authentication and pagination (kept apart from api.py: DRF imports it while loading its settings)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import PageNumberPagination

from . import services
from .models import ApiToken


class TokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>``; only the key's SHA-256 is stored; tokens expire."""

    keyword = b"token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed token header."))
        key = parts[1].decode("ascii", "ignore")
        token = (
            ApiToken.objects.select_related("user", "user__organization")
            .filter(key_hash=services.hash_token(key))
            .first()
        )
        if (
            token is None
            or not token.is_valid
            or not token.user.is_active
            or token.user.has_expired  # a temporary account that has ended
        ):
            raise exceptions.AuthenticationFailed(_("The token is invalid, revoked or expired."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
