"""OpenAPI helpers: the schema class, and the one error shape, declared once for every operation
that can answer it, with the codes each status carries.

The description passes `redocly lint` with its recommended rules (blazz/tests/test_openapi_lint.py;
the config, redocly.yaml, explains the one rule it turns off)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

from blazz.core.errors import ErrorCode

ErrorSerializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "code": serializers.CharField(help_text="A stable machine code: branch on it, never on `message`. "
                                                        "Each response lists the codes it carries."),
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

    Errors every operation of a kind can answer are added here, once for all: 400 (a body that
    does not parse) and 415 (a body of a type it does not take) where it takes a body; 401 and 403
    where it needs a key or a session; 404 where its path names an object.

    Each operation gets a summary (redocly's `operation-summary`): its `extend_schema(summary=...)`,
    else its resource and action read from the operation id ("Contacts: export")."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        implied = []
        if "requestBody" in operation:
            implied += [400, 415]
        if operation.get("security") and {} not in operation["security"]:
            implied += [401, 403]
        if any(p.get("in") == "path" for p in operation.get("parameters", [])):
            implied.append(404)
        for code in implied:
            if str(code) not in operation["responses"]:
                operation["responses"][str(code)] = self._get_response_for_code(error_responses(code)[code], str(code))
        operation["responses"] = dict(sorted(operation["responses"].items()))
        return operation

    def get_summary(self):
        explicit = super().get_summary()
        if explicit:
            return explicit
        operation_id = self.get_operation_id()
        resource = self.path.removeprefix("/api/v1/").split("/", 1)[0].replace("-", "_")
        action = operation_id.removeprefix(resource).strip("_") if operation_id.startswith(resource) else ""
        if not action:
            resource, action = operation_id, ""
        title = resource.replace("_", " ").capitalize()
        return f"{title}: {action.replace('_', ' ')}" if action else title

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
    429: "Too many attempts (Retry-After says when to try again)",
    502: "The bridge failed (the code is the bridge's own)",
    503: "Unavailable",
}


# The code each status carries wherever it is answered (the exception handler's mapping,
# blazz/core/errors.py); an operation adds the domain codes it raises itself (`codes=`).
_CODES = {
    400: [ErrorCode.INVALID_REQUEST],
    401: [ErrorCode.UNAUTHORIZED],
    403: [ErrorCode.FORBIDDEN, ErrorCode.WORKSPACE_SUSPENDED],
    404: [ErrorCode.NOT_FOUND],
    405: [ErrorCode.METHOD_NOT_ALLOWED],
    409: [ErrorCode.CONFLICT],
    413: [ErrorCode.PAYLOAD_TOO_LARGE],
    415: [ErrorCode.UNSUPPORTED_MEDIA_TYPE],
    429: [ErrorCode.THROTTLED],
}


def error_responses(*statuses: int, codes: dict[int, list] | None = None) -> dict:
    """`responses=` entries for these statuses: the one error shape, the codes each can carry in
    its description and as examples. `codes` adds an operation's own codes (enum members or strings)."""
    out = {}
    for status in statuses:
        names = []
        for code in [*_CODES.get(status, []), *(codes or {}).get(status, [])]:
            name = getattr(code, "value", code)
            if name not in names:
                names.append(name)
        description = _DESCRIPTIONS.get(status, "Error")
        if names:
            description += ". Codes: " + ", ".join(f"`{name}`" for name in names)
        examples = [OpenApiExample(name, value={"error": {"code": name, "message": name.replace("_", " ")}},
                                   response_only=True, status_codes=[str(status)]) for name in names]
        out[status] = OpenApiResponse(ErrorSerializer, description=description, examples=examples)
    return out


# The null branch of a nullable object: OpenAPI 3.0 wants a `type` beside `nullable`.
NULL_OBJECT = {"type": "object", "nullable": True, "enum": [None]}


def lint_clean(result, generator, request, public):
    """Two generator habits that redocly's recommended rules flag, mended after generation.

    drf-spectacular describes a nullable nested object as `{allOf: [$ref], nullable: true}`, with
    no `type` beside `nullable` (`nullable-type-sibling`); adding `type: object` there makes
    generated clients (openapi-python-client) read it as never null, and crash on a null. So it
    becomes `oneOf: [$ref, NULL_OBJECT]`, which both read right. And DRF's cursor pages give
    their links an example URL ending in a stray quote (`no-invalid-schema-examples`): dropped."""

    def walk(node):
        if isinstance(node, dict):
            if node.get("format") == "uri" and str(node.get("example", "")).endswith('"'):
                node["example"] = node["example"].rstrip('"')
            if node.get("nullable") and "type" not in node and len(node.get("allOf", [])) == 1:
                node["oneOf"] = [node.pop("allOf")[0], dict(NULL_OBJECT)]
                del node["nullable"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
