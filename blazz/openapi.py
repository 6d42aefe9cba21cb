"""OpenAPI helpers: the one error shape, declared once for every operation that can answer it."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
            },
        )
    },
)

_DESCRIPTIONS = {
    400: "Invalid input",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found (also: an id of another workspace)",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Not supported",
    502: "The bridge failed",
    503: "Unavailable",
}


def error_responses(*statuses: int) -> dict:
    return {code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS.get(code, "Error")) for code in statuses}
