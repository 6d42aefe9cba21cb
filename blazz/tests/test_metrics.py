"""/metrics in-process (blazz/metrics_view.py) and JSON logs; the real stack's scrape is in
test_integration_metrics.py."""

import io
import json
import logging
import logging.config
import subprocess
import sys

from django.conf import settings as django_settings

from blazz.core import metrics, requestid
from conftest import host_client


def test_metrics_are_404_while_no_token_is_set_and_401_for_a_wrong_one(settings, world):
    settings.METRICS_TOKEN = ""
    assert host_client().get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "right"
    wrong = host_client(HTTP_AUTHORIZATION="Bearer wrong").get("/metrics")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"
    assert host_client(world.ws_a, HTTP_AUTHORIZATION="Bearer right").get("/metrics").status_code == 200


def test_metrics_carry_the_counters_and_the_scrape_time_figures(settings):
    settings.METRICS_TOKEN = "right"
    metrics.crm_webhook_deliveries.labels("succeeded").inc()

    text = host_client(HTTP_AUTHORIZATION="Bearer right").get("/metrics").content.decode()

    assert 'blazz_crm_webhook_deliveries_total{outcome="succeeded"}' in text
    assert 'blazz_celery_queue_depth{queue="celery"}' in text
    assert 'blazz_celery_queue_depth{queue="webhooks"}' in text


def test_json_logs_carry_the_request_id():
    config = {**django_settings.LOGGING, "root": {"handlers": ["console"], "level": "INFO"}}
    config["handlers"] = {"console": {**config["handlers"]["console"], "formatter": "json"}}
    stream = io.StringIO()
    logging.config.dictConfig(config)
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)
    try:
        def view(request):
            logging.getLogger("blazz.test").info("inside %s", "the request")
            from django.http import HttpResponse

            return HttpResponse("ok")

        requestid.RequestIdMiddleware(view)(__import__("django.test").test.RequestFactory().get(
            "/", HTTP_X_REQUEST_ID="trace-7"))
    finally:
        logging.config.dictConfig(django_settings.LOGGING)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == "trace-7" and line["message"] == "inside the request"
    assert line["level"] == "INFO" and line["logger"] == "blazz.test"


def test_envfile_generates_a_metrics_token_and_adds_one_to_an_older_env(tmp_path):
    new, old = tmp_path / "new.env", tmp_path / "old.env"
    old.write_text("SECRET_KEY=kept\n")
    for path in (new, old):
        subprocess.run([sys.executable, "-m", "blazz.dev.envfile", str(path)], check=True, capture_output=True)

    assert [line for line in new.read_text().splitlines() if line.startswith("METRICS_TOKEN=") and len(line) > 30]
    assert old.read_text().startswith("SECRET_KEY=kept\n") and "\nMETRICS_TOKEN=" in old.read_text()
