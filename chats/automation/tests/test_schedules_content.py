"""A scheduled file or template says what it will send (the bubble's attachment and template name),
and each change is published as a scheduled.* event once it commits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from blazz.core import publisher
from chats.automation.tests.test_schedules import contact, schedule  # noqa: F401  the fixture
from chats.tests.test_api import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    seen = []
    real = publisher.publish_on_commit

    def spy(schema, *events, **kw):
        seen.extend(e for e in events if getattr(e, "type", "").startswith("scheduled."))
        return real(schema, *events, **kw)
    monkeypatch.setattr("chats.automation.services.schedules.publish_on_commit", spy)
    return seen


def test_a_scheduled_file_and_template_say_what_they_will_send(client_a, contact, published):  # noqa: F811
    media = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("katalog.png", PNG, content_type="image/png")})
    assert media.status_code == 201, media.content
    photo = schedule(client_a, contact, type="image", body="", media_id=media.json()["id"], caption="Katalog baru")
    assert photo.status_code == 202, photo.content
    assert photo.json()["media_filename"] == "katalog.png" and photo.json()["media_mimetype"] == "image/png"
    assert photo.json()["caption"] == "Katalog baru" and photo.json()["template_name"] is None
    template = client_a.post("/api/v1/templates/", {"name": "Promo", "body": "Halo {{contact.first_name}}, diskon {{1}}"},
                             content_type="application/json").json()
    promo = schedule(client_a, contact, client_id="s-2", template_id=template["id"], variables={"1": "20%"})
    assert promo.status_code == 202, promo.content
    assert promo.json()["template_name"] == "Promo" and promo.json()["body"] == "Halo Dewi, diskon 20%"
    assert promo.json()["variables"] == {"1": "20%"}
    url = f"/api/v1/scheduled-messages/{photo.json()['id']}/"
    assert client_a.patch(url, {"caption": "Katalog terbaru"}, content_type="application/json").status_code == 200
    assert client_a.delete(url).status_code == 200
    assert [(e.type, e.scheduled["id"]) for e in published] == [
        ("scheduled.created", photo.json()["id"]), ("scheduled.created", promo.json()["id"]),
        ("scheduled.updated", photo.json()["id"]), ("scheduled.cancelled", photo.json()["id"])]
    assert published[2].scheduled["caption"] == "Katalog terbaru" and published[0].contact_id == contact["id"]


def test_a_sent_schedule_is_announced_with_its_message(client_a, contact, world, published):  # noqa: F811
    import datetime as dt

    from django.utils import timezone

    from chats.automation.services.schedules import scheduled_send_due

    made = schedule(client_a, contact, seconds=1).json()
    with schema_context(world.ws_a.schema_name):
        assert scheduled_send_due(now=timezone.now() + dt.timedelta(seconds=5)) == 1
    sent = published[-1]
    assert sent.type == "scheduled.sent" and sent.scheduled["id"] == made["id"] and sent.scheduled["message_id"]
