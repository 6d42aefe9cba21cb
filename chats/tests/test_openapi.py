"""The OpenAPI description against the live server (issue 4: "schemathesis run against the schema
with a real key: no 5xx, every response matches the schema").

Schemathesis reads `/api/schema/` from daphne on a workspace host and, for every operation, sends
generated requests (valid and invalid) with a real API key: no answer may be a 5xx, and every
status code, content type and body must be one the schema describes. Generated ids mostly miss, so
path parameters are also drawn from real rows (a contact with messages, a failed message, an
upload, the session, a member, a key): both the 2xx and the 404 answers get checked.

The requests go to a throwaway workspace of their own, so nothing they create, change or delete
(sessions logged out, contacts deleted, members, keys) reaches the workspaces other tests share.
An API key may not manage API keys (403 `session_required`, what the fuzzing sees): their 2xx
and 404 answers are checked explicitly, with the owner logged in.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from blazz.dev.realstack import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Generated cases per operation in the fuzzing phase. The coverage phase adds its own boundary and
# negative cases (every constraint of every field: ~750 requests for the whole API), so a few random
# ones on top keep the run in its time budget (~2-3 minutes on a busy 2-core machine).
MAX_EXAMPLES = 6
CUSTOMER = "6281177700001"
FAILING_CUSTOMER = "6289900000000"  # conftest's SANDBOX_TEST_OPTIONS: the sandbox refuses this number
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def fetch_schema(ws) -> dict:
    with ws.api() as api:
        response = api.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200, response.text
    return response.json()


class Target:
    """A throwaway workspace with one of everything, and the ids of those rows."""

    def __init__(self, stack):
        from conftest import StackWorkspace

        self.ws = StackWorkspace(stack, f"oas{uuid.uuid4().hex[:8]}")
        self.stack = stack
        self.headers = {"Host": self.ws.host, "Authorization": f"Bearer {self.ws.api_key}"}
        with self.ws.api() as api:
            contact = api.post("/api/v1/contacts/", json={"phone": f"+{CUSTOMER}", "name": "Dewi"}).json()
            failing = api.post("/api/v1/contacts/", json={"phone": f"+{FAILING_CUSTOMER}"}).json()
            sent = api.post(f"/api/v1/contacts/{contact['id']}/messages/",
                            json={"client_id": f"c-{uuid.uuid4()}", "body": "Hello Dewi"}).json()
            failed = api.post(f"/api/v1/contacts/{failing['id']}/messages/",
                              json={"client_id": f"c-{uuid.uuid4()}", "body": "never arrives"}).json()
            media = api.post("/api/v1/media/", files={"file": ("dot.png", PNG, "image/png")}).json()
            with stack.bridge_http() as bridge:
                bridge.post(f"/sandbox/sessions/{self.ws.session.id}/inbound",
                            json={"from": CUSTOMER, "name": "Dewi", "body": "Hi, is this open?"}).raise_for_status()

            def message(contact_id, message_id):
                page = api.get(f"/api/v1/contacts/{contact_id}/messages/").json()["results"]
                return next((m for m in page if m["id"] == message_id), None)

            wait_until(lambda: message(contact["id"], sent["id"])["status"] == "read", 15, message="a read message")
            wait_until(lambda: message(failing["id"], failed["id"])["status"] == "failed", 20,
                       message="a failed message")
            wait_until(lambda: len(api.get(f"/api/v1/contacts/{contact['id']}/messages/").json()["results"]) == 2, 10,
                       message="the customer's message")
        with self.ws.admin() as owner:
            member = owner.get("/api/v1/members/").json()[0]
            key = owner.get("/api/v1/api-keys/").json()[0]
        self.real = {
            "contact_id": [contact["id"], failing["id"]],
            "message_id": [sent["id"], failed["id"]],
            "media_id": [media["id"]],
            "session_id": [self.ws.session.id],
            "member_id": [member["id"]],
            "key_id": [key["id"]],
        }


@pytest.fixture(scope="module")
def openapi_target(stack, live) -> Target:
    return Target(stack)


@pytest.fixture(scope="module")
def openapi_schema(stack, stack_a, openapi_target):
    schema = schemathesis.openapi.from_dict(fetch_schema(stack_a))
    schema.config.update(base_url=stack.web_url, request_timeout=15)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        real = {name: st.sampled_from(openapi_target.real[name]) for name in path_parameters or {}
                if name in openapi_target.real}
        if not real:
            return st.just(path_parameters)
        return st.one_of(st.just(path_parameters), st.fixed_dictionaries({**{k: st.just(v) for k, v in
                                                                              path_parameters.items()}, **real}))

    return schema


# Every operation is fuzzed: with the API key, the API-key operations answer 403 (checked against
# the schema too), so the run cannot revoke the key it uses; their 2xx answers are checked below.
NOT_FUZZED: set[tuple[str, str]] = set()
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                    derandomize=True, database=None, print_blob=False)


def test_every_operation_answers_as_its_schema_says(openapi_schema, openapi_target):
    # schemathesis.pytest.from_fixture() would do this loop, but its pytest plugin reads
    # `Node._nodeid`, which pytest 9 no longer has; so the same per-operation Hypothesis tests are
    # built here with the function it uses, and every operation's failures are gathered.
    from schemathesis.pytest.lazy import get_all_tests

    def call(case):
        case.call_and_validate(headers=openapi_target.headers, checks=CHECKS)

    failures, tested = [], []
    for result in get_all_tests(schema=openapi_schema, test_func=call, settings=SETTINGS, given_kwargs={}):
        operation, run = result.ok()
        if (operation.method.upper(), operation.path) in NOT_FUZZED:
            continue
        tested.append(operation.label)
        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports a FailureGroup
            failures.append(f"{operation.label}:\n{exc}")
    assert len(tested) >= 25, tested
    assert not failures, "\n\n".join(failures)


def test_revoking_an_api_key_answers_as_its_schema_says(stack, stack_a, openapi_target, openapi_schema):
    operation = openapi_schema["/api/v1/api-keys/{key_id}/"]["DELETE"]
    with openapi_target.ws.admin() as api:
        spare = api.post("/api/v1/api-keys/", json={"name": "spare", "scopes": ["read"]})
        operation_create = openapi_schema["/api/v1/api-keys/"]["POST"]
        operation_create.validate_response(spare)
        revoked = api.delete(f"/api/v1/api-keys/{spare.json()['id']}/")
        missing = api.delete("/api/v1/api-keys/999999999/")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert missing.status_code == 404 and missing.json()["error"]["code"]
    operation.validate_response(revoked)
    operation.validate_response(missing)


def test_the_api_docs_render_with_assets_served_by_us(stack, stack_a):
    with stack.http(stack_a.host) as client:
        page = client.get("/api/docs/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', page.text)
        assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
        for asset in assets:
            assert asset.startswith("/static/"), f"{asset} is not served by us (no CDN offline)"
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert len(response.content) > 0
