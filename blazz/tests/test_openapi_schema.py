"""The OpenAPI description, generated in-process (fast): valid OpenAPI 3 with no generator warning,
and every error response is the one error shape. The live check against daphne, with schemathesis,
is chats/tests/test_openapi.py."""

from __future__ import annotations

from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}


def test_the_schema_is_valid_openapi_and_generates_without_warnings(tmp_path):
    # --fail-on-warn: an operation drf-spectacular could not understand (an unresolved serializer,
    # a path parameter of unknown type) fails here instead of leaving a vague spot in the docs.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_error_response_is_the_one_error_shape_and_lists_are_paginated():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [(method.upper(), path, op) for path, ops in schema["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 25

    for method, path, op in operations:
        for code, response in op["responses"].items():
            if int(code) >= 400:
                assert set(response["content"]) == {"application/json"}, f"{method} {path} {code}"
                assert response["content"]["application/json"]["schema"] == ERROR_SCHEMA, f"{method} {path} {code}"
        if "requestBody" in op:
            assert {"400", "415"} <= set(op["responses"]), f"{method} {path}"

    paginated = {path for method, path, op in operations
                 if method == "GET" and {"cursor", "page_size"} <= {p["name"] for p in op.get("parameters", [])}}
    assert paginated == {"/api/v1/chats/", "/api/v1/contacts/", "/api/v1/contacts/{contact_id}/messages/",
                         "/api/v1/messages/", "/api/v1/messages/search/", "/api/v1/broadcasts/{broadcast_id}/recipients/"}
    for path in paginated:
        ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(page["properties"]) == {"next", "previous", "results"}, path
