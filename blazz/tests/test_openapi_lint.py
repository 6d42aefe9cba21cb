"""The OpenAPI description as a CRM's tooling reads it: `redocly lint` with the recommended rules
(redocly.yaml) reports no error, every nullable field has a type, the JSON columns are typed, and
each error response names the codes it carries. A generated client runs a CRM flow in
chats/tests/test_generated_client.py."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

from blazz.core.openapi import NULL_OBJECT

ROOT = Path(__file__).resolve().parents[2]
REDOCLY = ROOT / "frontend" / "node_modules" / "@redocly" / "cli" / "bin" / "cli.js"


def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_redocly_lint_with_the_recommended_rules_reports_no_error(tmp_path):
    assert REDOCLY.exists(), "frontend/node_modules lacks @redocly/cli: run `cd frontend && npm ci`"
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema(), default=str))
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}
    linted = subprocess.run(["node", str(REDOCLY), "lint", str(path), "--config", str(ROOT / "redocly.yaml"),
                             "--format", "stylish", "--max-problems", "200"],
                            capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    report = linted.stdout + linted.stderr
    assert linted.returncode == 0 and " error " not in report, report


def test_nullable_and_json_fields_are_typed():
    components = schema()["components"]["schemas"]
    message, chat = components["Message"]["properties"], components["Chat"]["properties"]
    # A nullable object is one of its component or null (a form generated clients read as nullable).
    for schema_, field in [*((message, f) for f in ("media", "location", "contact_card", "reply_to", "sent_by")),
                           (chat, "assignee"), (chat, "last_message")]:
        ref, null = schema_[field]["oneOf"]
        assert ref["$ref"].startswith("#/components/schemas/") and null == NULL_OBJECT, field
    assert set(components["Location"]["properties"]) == {"latitude", "longitude", "name", "address"}
    assert set(components["ContactCard"]["properties"]) == {"name", "phone", "vcard"}
    assert message["edits"]["items"] == {"$ref": "#/components/schemas/Edit"}
    assert message["reactions"]["items"] == {"$ref": "#/components/schemas/Reaction"}
    assert chat["custom_fields"]["type"] == "object"


def test_every_operation_lists_its_error_responses_with_their_codes():
    paths = schema()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if int(code) >= 400}
            if operation.get("security") and {} not in operation["security"]:
                assert {"401", "403"} <= set(errors), f"{method} {path}"
            if "{" in path:
                assert "404" in errors, f"{method} {path}"
            for code, response in errors.items():
                examples = response["content"]["application/json"].get("examples", {})
                listed = [e["value"]["error"]["code"] for e in examples.values()]
                # A 502 passes on the bridge's own code: the description says so.
                assert (listed or code == "502") and all(f"`{c}`" in response["description"] for c in listed), f"{method} {path} {code}"
            assert operation.get("summary"), f"{method} {path}"

    send = paths["/api/v1/contacts/{contact_id}/messages/"]["post"]["responses"]
    assert "`client_id_conflict`" in send["409"]["description"] and "`body_required`" in send["400"]["description"]
    assert "`url_not_allowed`" in paths["/api/v1/webhooks/"]["post"]["responses"]["400"]["description"]


def test_exports_are_declared_with_their_real_content_types():
    export = schema()["paths"]["/api/v1/contacts/{contact_id}/export/"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/json", "text/csv", "text/plain"}
    assert export["text/csv"]["schema"]["type"] == "string"
