"""The inbox REST API in-process (no bridge: sends stay pending; nothing leaves)."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from chats import services
from chats.models import Contact, Message
from conftest import host_client
from sessions_wa import bridge
from sessions_wa.models import SessionStatus, WhatsAppSession

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def session_a(world):
    with schema_context(world.ws_a.schema_name):
        return WhatsAppSession.objects.create(id="ws_acme.api", engine="sandbox", status=SessionStatus.CONNECTED,
                                              phone="+628000000001")


@pytest.fixture
def contact_a(client_a, session_a):
    return client_a.post("/api/v1/contacts/", {"phone": "+6281234567890", "name": "Budi"},
                         content_type="application/json").json()


def post_message(client, contact_id, **body):
    body.setdefault("client_id", str(uuid.uuid4()))
    return client.post(f"/api/v1/contacts/{contact_id}/messages/", body, content_type="application/json")


def inbound(world, session, body, chat_id="6281234567890@c.us", name="Budi"):
    with schema_context(world.ws_a.schema_name):
        return services.message_apply_received(session=session, data={
            "wa_message_id": f"in-{uuid.uuid4()}", "chat_id": chat_id, "from_name": name, "type": "text",
            "body": body, "timestamp": 1764000000})


def test_contacts_crud(world, client_a, contact_a):
    assert contact_a["phone"] == "+6281234567890" and contact_a["display_name"] == "Budi"
    again = client_a.post("/api/v1/contacts/", {"phone": "6281234567890"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == contact_a["id"]

    patched = client_a.patch(f"/api/v1/contacts/{contact_a['id']}/",
                             {"name": "Budi S", "tags": ["vip"], "custom_fields": {"crm_id": 7},
                              "assignee_id": world.agent_a.pk}, content_type="application/json").json()
    assert (patched["name"], patched["tags"], patched["custom_fields"]) == ("Budi S", ["vip"], {"crm_id": 7})
    assert patched["assignee"]["email"] == "agent@acme.test"

    assert client_a.delete(f"/api/v1/contacts/{contact_a['id']}/").status_code == 204
    assert client_a.get(f"/api/v1/contacts/{contact_a['id']}/").status_code == 404


def test_assignee_must_be_a_member_of_this_workspace(world, client_a, contact_a):
    response = client_a.patch(f"/api/v1/contacts/{contact_a['id']}/", {"assignee_id": world.agent_b.pk},
                              content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "assignee_not_member"


@pytest.mark.parametrize("body, field", [({}, "phone"), ({"phone": "nope"}, "phone"), ({"phone": "+6281", "tags": "x"}, "tags")])
def test_contact_create_bad_input(client_a, session_a, body, field):
    response = client_a.post("/api/v1/contacts/", body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_send_then_list_thread_newest_first_with_cursor_pages(client_a, contact_a):
    first = post_message(client_a, contact_a["id"], body="one")
    assert first.status_code == 201 and first.json()["status"] == "pending"
    for n in range(2, 6):
        post_message(client_a, contact_a["id"], body=f"n{n}")

    page = client_a.get(f"/api/v1/contacts/{contact_a['id']}/messages/?page_size=3").json()
    older = client_a.get(page["next"].split("testserver", 1)[-1]).json()

    assert [m["body"] for m in page["results"]] == ["n5", "n4", "n3"]
    assert [m["body"] for m in older["results"]] == ["n2", "one"] and older["next"] is None


def test_send_is_idempotent_by_client_id(client_a, contact_a):
    first = post_message(client_a, contact_a["id"], client_id="same", body="hi")
    second = post_message(client_a, contact_a["id"], client_id="same", body="hi")
    conflict = post_message(client_a, contact_a["id"], client_id="same", body="other")

    assert (first.status_code, second.status_code, conflict.status_code) == (201, 200, 409)
    assert first.json()["id"] == second.json()["id"]
    assert conflict.json()["error"]["code"] == "client_id_conflict"


def test_the_201_answer_is_the_message_as_a_later_read_returns_it(client_a, contact_a):
    """The 201 is built from the message as the request stored it, not read back: it must still be
    exactly what the thread returns (quoted message, sender and all)."""
    first = post_message(client_a, contact_a["id"], client_id="q1", body="question")
    reply = post_message(client_a, contact_a["id"], client_id="q2", body="answer", reply_to=first.json()["id"])

    thread = client_a.get(f"/api/v1/contacts/{contact_a['id']}/messages/").json()["results"]
    assert reply.status_code == 201 and [reply.json(), first.json()] == thread
    assert reply.json()["reply_to"]["id"] == first.json()["id"]


@pytest.mark.parametrize("body, status, code", [
    ({"body": "x", "client_id": ""}, 400, "invalid_request"),
    ({"body": "x", "type": "hologram"}, 400, "invalid_request"),
    ({"body": ""}, 400, "body_required"),
    ({"type": "image"}, 400, "media_required"),
    ({"type": "image", "media_id": "not-a-uuid"}, 400, "invalid_request"),
    ({"type": "location", "location": {"latitude": "north"}}, 400, "invalid_request"),
    ({"body": "x", "reply_to": 99999}, 404, "reply_to_not_found"),
    ({"body": "x", "session_id": "ws_acme.nope"}, 404, "session_not_found"),
    # A field that does not belong to the type is refused, not stored for the worker to trip on.
    ({"body": "hi", "contact_card": {"name": "x", "phone": "0"}}, 400, "field_not_allowed"),
    ({"body": "hi", "location": {"latitude": 1, "longitude": 2}}, 400, "field_not_allowed"),
])
def test_send_bad_input_is_a_clear_4xx(client_a, contact_a, body, status, code):
    response = post_message(client_a, contact_a["id"], **body)
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_send_without_a_connected_number_is_409(world, client_a, contact_a, session_a):
    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.filter(pk=session_a.pk).update(status="qr")
    response = post_message(client_a, contact_a["id"], body="x")
    assert response.status_code == 409 and response.json()["error"]["code"] == "session_not_connected"


def test_send_to_an_unknown_contact_is_404(client_a, session_a):
    assert post_message(client_a, 987654, body="x").json()["error"]["code"] == "contact_not_found"


def test_chat_list_search_by_name_phone_and_text(world, client_a, session_a):
    inbound(world, session_a, "where is my parcel", name="Budi")
    inbound(world, session_a, "thanks a lot", chat_id="6289876543210@c.us", name="Citra")

    def names(q):
        return [c["display_name"] for c in client_a.get("/api/v1/chats/", {"q": q}).json()["results"]]

    assert names("") == ["Citra", "Budi"]
    assert names("cit") == ["Citra"]
    assert names("98765") == ["Citra"]
    assert names("parc") == ["Budi"]
    assert names("zzz") == []
    row = client_a.get("/api/v1/chats/").json()["results"][0]
    assert row["unread_count"] == 1 and row["last_message"]["body"] == "thanks a lot"


def test_chat_list_ties_in_the_same_second_go_by_arrival(world, client_a, session_a):
    """WhatsApp times are whole seconds: within one, the chat whose message came last is first."""
    inbound(world, session_a, "first", name="Budi")
    inbound(world, session_a, "second", chat_id="6289876543210@c.us", name="Citra")
    inbound(world, session_a, "third", name="Budi")  # the same second as the others

    rows = client_a.get("/api/v1/chats/").json()["results"]

    assert [(r["display_name"], r["last_message"]["body"]) for r in rows] == [("Budi", "third"), ("Citra", "second")]
    assert rows[0]["last_message_at"] == rows[1]["last_message_at"]


def test_a_reply_in_the_same_second_as_our_message_is_the_chats_last(world, client_a, session_a, contact_a,
                                                                       monkeypatch):
    """Our message's WhatsApp time is whole seconds too: a customer's reply stamped the same second
    (WhatsApp's clock) comes after it in the thread and becomes the chat's last message."""
    import datetime as dt

    from django.utils import timezone

    second = 1764000000
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime.fromtimestamp(second + 0.9, tz=dt.timezone.utc))
    sent = post_message(client_a, contact_a["id"], body="our question").json()
    inbound(world, session_a, "their answer")  # stamped `second` by WhatsApp

    thread = client_a.get(f"/api/v1/contacts/{contact_a['id']}/messages/").json()["results"]
    row = client_a.get("/api/v1/chats/").json()["results"][0]

    assert sent["timestamp"] == "2025-11-24T16:00:00Z"
    assert [m["body"] for m in thread] == ["their answer", "our question"]  # newest first
    assert row["last_message"]["body"] == "their answer"


def test_message_search(world, client_a, session_a):
    inbound(world, session_a, "the invoice is attached")
    inbound(world, session_a, "something else")

    results = client_a.get("/api/v1/messages/search/", {"q": "invoice"}).json()["results"]

    assert [r["body"] for r in results] == ["the invoice is attached"]
    assert results[0]["contact"]["display_name"] == "Budi"
    assert client_a.get("/api/v1/messages/search/", {"q": "   "}).json()["results"] == []


def test_search_words_the_parser_splits(world, client_a, session_a):
    """PostgreSQL's parser reads "ZX-4711" as 'zx' and a signed '-4711': the query is parsed alike."""
    inbound(world, session_a, "my parcel number is ZX-4711, mail me at budi@example.com")
    inbound(world, session_a, "order 4712 it's late", chat_id="6289876543210@c.us", name="Citra")

    def bodies(q):
        return [r["body"] for r in client_a.get("/api/v1/messages/search/", {"q": q}).json()["results"]]

    parcel = ["my parcel number is ZX-4711, mail me at budi@example.com"]
    assert bodies("ZX-4711") == parcel
    assert bodies("zx-47") == parcel
    assert bodies("4711") == parcel
    assert bodies("parcel ZX-4711") == parcel
    assert bodies("budi@example.com") == parcel
    assert bodies("ZX-4712") == []
    assert sorted(bodies("471")) == sorted(parcel + ["order 4712 it's late"])
    assert bodies("it's") == ["order 4712 it's late"]
    for odd in ("'\\ & | ! <-> :*", "-", "a\\b' | x:*", "(order", "order)"):  # never a syntax error
        assert client_a.get("/api/v1/messages/search/", {"q": odd}).status_code == 200
    assert bodies("(order") == ["order 4712 it's late"]
    names = [c["display_name"] for c in client_a.get("/api/v1/chats/", {"q": "ZX-4711"}).json()["results"]]
    assert names == ["Budi"]


def test_read_clears_unread(world, client_a, session_a):
    message = inbound(world, session_a, "hello?")

    response = client_a.post(f"/api/v1/contacts/{message.contact_id}/read/")

    assert response.status_code == 200 and response.json()["unread_count"] == 0


@pytest.mark.parametrize("fmt, needle", [("json", '"messages": ['), ("csv", "timestamp (Asia/Jakarta),direction"),
                                         ("txt", "Budi: hello")])
def test_export_formats(world, client_a, session_a, fmt, needle):
    message = inbound(world, session_a, "hello")

    response = client_a.get(f"/api/v1/contacts/{message.contact_id}/export/", {"format": fmt})

    assert response.status_code == 200
    assert needle in b"".join(response.streaming_content).decode()
    assert "attachment" in response["Content-Disposition"]


def test_exports_give_times_with_their_offset_in_the_readers_zone(world, client_a, session_a):
    import datetime as dt

    from workspaces.models import Membership

    message = inbound(world, session_a, "jam berapa?")
    with schema_context(world.ws_a.schema_name):
        Message.objects.filter(pk=message.pk).update(timestamp=dt.datetime(2026, 12, 3, 7, 5, tzinfo=dt.timezone.utc))
    url = f"/api/v1/contacts/{message.contact_id}/export/"

    txt = b"".join(client_a.get(url, {"format": "txt"}).streaming_content).decode()
    Membership.objects.filter(user=world.owner_a, workspace=world.ws_a).update(timezone="Asia/Jayapura")
    csv_text = b"".join(client_a.get(url, {"format": "csv"}).streaming_content).decode()

    assert "Times: Asia/Jakarta (UTC+07:00)." in txt.splitlines()[0]
    assert "[2026-12-03T14:05:00+07:00] Budi: jam berapa?" in txt
    assert csv_text.startswith("timestamp (Asia/Jayapura),direction")
    assert "2026-12-03T16:05:00+09:00,in,Budi" in csv_text


def test_export_bad_format_is_400(world, client_a, session_a):
    message = inbound(world, session_a, "hello")
    assert client_a.get(f"/api/v1/contacts/{message.contact_id}/export/", {"format": "pdf"}).status_code == 400


def test_media_upload_then_send_by_id(client_a, contact_a):
    upload = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("dot.png", PNG, content_type="image/png")})
    assert upload.status_code == 201
    media = upload.json()
    assert (media["mimetype"], media["size"], media["ready"]) == ("image/png", len(PNG), True)
    assert b"".join(client_a.get(media["url"]).streaming_content) == PNG

    sent = post_message(client_a, contact_a["id"], type="image", media_id=media["id"], caption="look")
    assert sent.status_code == 201 and sent.json()["media"]["id"] == media["id"]


def test_media_of_a_type_we_do_not_send_is_415(client_a):
    response = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("x.html", b"<script>", content_type="text/html")})
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_media_type"


def test_media_over_the_limit_is_413(client_a, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 10
    response = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")})
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"


def test_media_upload_without_a_file_is_400(client_a):
    assert client_a.post("/api/v1/media/", {}).status_code == 400


def test_unknown_media_is_404(client_a):
    assert client_a.get("/api/v1/media/not-a-uuid/").status_code == 404
    assert client_a.get(f"/api/v1/media/{uuid.uuid4()}/").status_code == 404


def test_workspace_b_gets_404_for_as_contact_message_session_and_media(world, client_a, contact_a, session_a, api_key_b):
    message = post_message(client_a, contact_a["id"], body="secret").json()
    media = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("d.png", PNG, content_type="image/png")}).json()
    for b_client in (host_client(world.ws_b, world.owner_b),
                     host_client(world.ws_b, HTTP_AUTHORIZATION=f"Bearer {api_key_b}")):
        assert b_client.get(f"/api/v1/contacts/{contact_a['id']}/").status_code == 404
        assert b_client.get(f"/api/v1/contacts/{contact_a['id']}/messages/").status_code == 404
        assert post_message(b_client, contact_a["id"], body="x").status_code == 404
        assert b_client.post(f"/api/v1/messages/{message['id']}/retry/").status_code == 404
        assert b_client.post(f"/api/v1/messages/{message['id']}/reactions/", {"emoji": "x"},
                             content_type="application/json").status_code == 404
        assert b_client.get(f"/api/v1/sessions/{session_a.pk}/").status_code == 404
        # a key may log no number out (403 session_required); B's owner finds none of A's
        assert b_client.delete(f"/api/v1/sessions/{session_a.pk}/").status_code in (403, 404)
        assert b_client.get(f"/api/v1/media/{media['id']}/").status_code == 404
        assert b_client.get("/api/v1/chats/").json()["results"] == []
        assert b_client.get("/api/v1/messages/search/", {"q": "secret"}).json()["results"] == []
    with schema_context(world.ws_a.schema_name):
        assert Message.objects.filter(body="secret").count() == 1


def test_retry_of_a_pending_message_is_409(client_a, contact_a):
    message = post_message(client_a, contact_a["id"], body="x").json()
    response = client_a.post(f"/api/v1/messages/{message['id']}/retry/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_failed"


def test_react_before_the_message_has_a_whatsapp_id_is_409(client_a, contact_a):
    message = post_message(client_a, contact_a["id"], body="x").json()
    response = client_a.post(f"/api/v1/messages/{message['id']}/reactions/", {"emoji": "👍"},
                             content_type="application/json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_sent_yet"


def test_not_logged_in_is_401_with_the_error_shape(world):
    response = host_client(world.ws_a).get("/api/v1/chats/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


def test_session_api_shows_the_qr_as_data_url_and_svg(world, client_a, session_a):
    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.filter(pk=session_a.pk).update(status="qr", qr_raw="2@hello,world")

    session = client_a.get(f"/api/v1/sessions/{session_a.pk}/").json()

    assert session["qr"].startswith("data:image/png;base64,")
    assert session["qr_svg"].startswith("<svg")


def test_agents_cannot_add_or_remove_numbers(world, session_a):
    agent = host_client(world.ws_a, world.agent_a)
    assert agent.post("/api/v1/sessions/", {"engine": "sandbox"}, content_type="application/json").status_code == 403
    assert agent.delete(f"/api/v1/sessions/{session_a.pk}/").status_code == 403
    assert agent.get("/api/v1/sessions/").status_code == 200


# --- what a send over the API hands the bridge, per type -------------------------------------------

OGG = b"OggS\x00\x02" + b"\x00" * 20 + b"OpusHead" + b"\x01" * 32


@pytest.fixture
def bridge_sends(monkeypatch):
    """The bridge's POST /sessions/:id/messages, recorded: (session id, request body)."""
    sent = []

    def message_send(session_id, payload):
        sent.append((session_id, payload))
        return {"wa_message_id": f"true_{payload['to']}_3EB0{len(sent):04d}", "client_id": payload["client_id"],
                "timestamp": 1764000000}

    monkeypatch.setattr(bridge, "message_send", message_send)
    return sent


def send_and_deliver(world, client, contact_id, bridge_sends, **body):
    response = post_message(client, contact_id, **body)
    assert response.status_code == 201, response.content
    message = response.json()
    with schema_context(world.ws_a.schema_name):
        assert services.message_deliver(message_id=message["id"]) == ("done", "sent")
    session_id, payload = bridge_sends[-1]
    assert session_id == message["session_id"] and payload["client_id"] == message["client_id"]
    assert payload["to"] == "6281234567890@c.us"
    return message, payload


def test_a_location_sent_over_the_api_reaches_the_bridge_payload(world, client_a, contact_a, bridge_sends):
    location = {"latitude": -6.2088, "longitude": 106.8456, "name": "Office", "address": "Jl. Sudirman 1"}

    message, payload = send_and_deliver(world, client_a, contact_a["id"], bridge_sends, type="location",
                                        location=location)

    assert message["location"] == location
    assert {k: v for k, v in payload.items() if k not in ("to", "client_id")} == {"type": "location",
                                                                                   "location": location}


def test_a_contact_card_sent_over_the_api_reaches_the_bridge_payload(world, client_a, contact_a, bridge_sends):
    message, payload = send_and_deliver(world, client_a, contact_a["id"], bridge_sends, type="contact",
                                        contact_card={"name": "Ana", "phone": "+62 812-0000-1111"})

    assert message["contact_card"] == {"name": "Ana", "phone": "+62 812-0000-1111"}
    assert payload["type"] == "contact"
    assert payload["contact"] == {"name": "Ana", "phone": "6281200001111"}  # digits, as the bridge's vCard wants


def test_a_quoted_reply_sent_over_the_api_carries_the_quoted_whatsapp_id(world, client_a, contact_a, session_a,
                                                                         bridge_sends):
    quoted = inbound(world, session_a, "is it in stock?")

    message, payload = send_and_deliver(world, client_a, contact_a["id"], bridge_sends, body="Yes, it is",
                                        reply_to=quoted.pk)

    assert message["reply_to"]["id"] == quoted.pk and message["reply_to"]["body"] == "is it in stock?"
    assert (payload["type"], payload["body"], payload["reply_to"]) == ("text", "Yes, it is", quoted.wa_message_id)


def test_a_voice_note_sent_over_the_api_hands_the_bridge_its_file(world, client_a, contact_a, bridge_sends,
                                                                  settings):
    upload = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("note.ogg", OGG, content_type="audio/ogg")})
    assert upload.status_code == 201, upload.content
    media = upload.json()

    message, payload = send_and_deliver(world, client_a, contact_a["id"], bridge_sends, type="voice",
                                        media_id=media["id"])

    assert message["type"] == "voice" and message["media"]["id"] == media["id"]
    assert payload["type"] == "voice" and "body" not in payload and "caption" not in payload
    assert payload["media"] == {
        "url": f"{settings.INTERNAL_BASE_URL}/internal/media/{world.ws_a.schema_name}/{media['id']}/",
        "mimetype": "audio/ogg", "filename": "note.ogg"}


# --- CSRF: a logged-in browser's writes need the token; an API key's do not ---------------------------


def csrf_client(world):
    from django.test import Client

    from workspaces.middleware import SESSION_WORKSPACE_KEY

    client = Client(enforce_csrf_checks=True, HTTP_HOST=world.ws_a.host)
    client.force_login(world.owner_a)
    session = client.session
    session[SESSION_WORKSPACE_KEY] = world.ws_a.schema_name
    session.save()
    return client


def test_a_session_authenticated_write_without_the_csrf_token_is_403_in_the_error_shape(world, session_a):
    browser = csrf_client(world)

    response = browser.post("/api/v1/contacts/", {"phone": "+6281234567890"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden" and "CSRF" in response.json()["error"]["message"]
    with schema_context(world.ws_a.schema_name):
        assert not Contact.objects.exists()


def test_a_session_authenticated_write_with_the_csrf_token_is_accepted(world, session_a):
    from django.conf import settings

    browser = csrf_client(world)
    assert browser.get("/").status_code == 200  # the SPA page sets the CSRF cookie
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value

    response = browser.post("/api/v1/contacts/", {"phone": "+6281234567890"}, content_type="application/json",
                            HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201, response.content
    patched = browser.patch(f"/api/v1/contacts/{response.json()['id']}/", {"name": "Budi"},
                            content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert patched.status_code == 200
    assert browser.patch(f"/api/v1/contacts/{response.json()['id']}/", {"name": "x"},
                         content_type="application/json", HTTP_X_CSRFTOKEN="wrong" * 8).status_code == 403


def test_an_api_key_write_needs_no_csrf_token(world, session_a, api_key_a):
    from django.test import Client

    crm = Client(enforce_csrf_checks=True, HTTP_HOST=world.ws_a.host, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")

    assert crm.post("/api/v1/contacts/", {"phone": "+6281234567890"}, content_type="application/json").status_code == 201


def test_a_message_says_who_made_it_an_agent_or_a_crm(world, client_a, session_a, api_key_a):
    from django.test import Client

    crm = Client(HTTP_HOST=world.ws_a.host, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")
    contact = crm.post("/api/v1/contacts/", {"phone": "+6281234567890"}, content_type="application/json").json()
    url = f"/api/v1/contacts/{contact['id']}/messages/"
    by_crm = crm.post(url, {"client_id": "crm-1", "type": "text", "body": "hi"}, content_type="application/json")
    by_agent = client_a.post(url, {"client_id": "agent-1", "type": "text", "body": "hi"},
                             content_type="application/json")

    assert (by_crm.status_code, by_crm.json()["origin"]) == (201, "api")
    assert (by_agent.status_code, by_agent.json()["origin"]) == (201, "agent")


def test_read_of_a_contact_deleted_while_it_is_read_is_404_never_an_empty_row(world, client_a, session_a,
                                                                              monkeypatch):
    """Issue 12.3: the delete lands between the read's write and its answer."""
    message = inbound(world, session_a, "hello?")
    mark_read = services.contact_mark_read

    def read_then_deleted(*, contact):
        read = mark_read(contact=contact)
        with schema_context(world.ws_a.schema_name):
            Contact.objects.filter(pk=contact.pk).delete()
        return read

    monkeypatch.setattr(services, "contact_mark_read", read_then_deleted)
    response = client_a.post(f"/api/v1/contacts/{message.contact_id}/read/")

    assert response.status_code == 404 and response.json()["error"]["code"] == "contact_not_found"


@pytest.mark.parametrize("body", [{"emoji": 5}, {"emoji": ["👍"]}, {"emoji": True}])
def test_a_reaction_emoji_that_is_not_a_string_is_400(world, client_a, contact_a, body):
    sent = post_message(client_a, contact_a["id"], body="hi").json()

    response = client_a.post(f"/api/v1/messages/{sent['id']}/reactions/", body, content_type="application/json")

    assert response.status_code == 400 and response.json()["error"]["fields"]["emoji"]


@pytest.mark.parametrize("body", [{"body": 5}, {"body": "x", "client_id": 123}])
def test_send_fields_of_the_wrong_json_type_are_400(client_a, contact_a, body):
    response = post_message(client_a, contact_a["id"], **body)
    assert response.status_code == 400
