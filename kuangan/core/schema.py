"""OpenAPI description of the project's own API pieces (drf-spectacular extensions)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """``Authorization: Token <key>``, the key from ``POST /api/v1/auth/token/``."""

    target_class = "kuangan.core.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The header "Token <key>", the key from POST /api/v1/auth/token/.',
        }
