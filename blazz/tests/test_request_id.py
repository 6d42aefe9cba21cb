"""X-Request-Id on every answer (the client's own when sane) and on the log lines of its request."""

import logging

from blazz.core import requestid
from conftest import host_client


def test_every_answer_carries_a_request_id_and_a_sane_one_from_the_client_comes_back(world):
    client = host_client(world.ws_a, world.agent_a)

    ok = client.get("/api/v1/me/")
    missing = client.get("/api/v1/messages/999999999/")
    echoed = client.get("/api/v1/me/", HTTP_X_REQUEST_ID="crm-trace.42")
    refused = client.get("/api/v1/me/", HTTP_X_REQUEST_ID="bad id\twith spaces")

    assert len(ok["X-Request-Id"]) == 32 and missing.status_code == 404 and missing["X-Request-Id"]
    assert ok["X-Request-Id"] != missing["X-Request-Id"]
    assert echoed["X-Request-Id"] == "crm-trace.42"
    assert refused["X-Request-Id"] != "bad id\twith spaces" and len(refused["X-Request-Id"]) == 32


def test_log_lines_written_during_a_request_carry_its_id(rf):
    seen = []

    def view(request):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "inside", None, None)
        requestid.RequestIdFilter().filter(record)
        seen.append(record.request_id)
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = requestid.RequestIdMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="abc-1"))

    assert seen == ["abc-1"] and response["X-Request-Id"] == "abc-1" and requestid.current() == "-"
