"""OpenAPI helpers: the schema class, and the one error shape, declared once for every operation
that can answer it."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
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


class AutoSchema(SpectacularAutoSchema):
    """Views nest their serializers (`ContactListApi.InputSerializer`): name each component after
    its view, or every `InputSerializer` would collapse into one `InputRequest` component and the
    schema would describe one body for every operation.

    An operation that takes a body can also answer 400 (a body that does not parse) and 415 (a
    body of a type it does not take): those two are added here, once for all; and every operation
    of a rate-limited view (DRF's throttle classes) 429 `rate_limited`."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation and "requestBody" in operation:
            for code in (400, 415):
                if str(code) not in operation["responses"]:
                    operation["responses"][str(code)] = self._get_response_for_code(
                        error_responses(code)[code], str(code))
        if operation and getattr(self.view, "throttle_classes", None) and "429" not in operation["responses"]:
            operation["responses"]["429"] = self._get_response_for_code(error_responses(429)[429], "429")
        if operation:
            operation["responses"] = dict(sorted(operation["responses"].items()))
        return operation

    def get_serializer_name(self, serializer, direction):
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        if outer and "<locals>" not in outer:
            return outer.removesuffix("Api") + inner.removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)


_DESCRIPTIONS = {
    400: "Invalid input",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found (also: an id of another workspace)",
    409: "Conflict",
    410: "Gone: older than the event log keeps (resync over REST)",
    413: "Too large",
    415: "Unsupported media type",
    422: "Not supported",
    429: "Too many requests (`rate_limited`; Retry-After says when to try again)",
    502: "The bridge failed",
    503: "Unavailable",
}


def error_responses(*statuses: int) -> dict:
    return {code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS.get(code, "Error")) for code in statuses}
