"""A CRM's client, generated from the live `/api/schema/` with openapi-python-client (as a CRM
developer would), runs a CRM flow against the real stack (daphne, a Celery worker, the bridge with
the sandbox engine): paginate the chats, find or create a contact, send a text and an image by URL
(served from 127.0.0.1), poll the message until the sandbox customer has read it, export the chat
as JSON and as CSV.

The export's three formats share one operation (`?format=`), and a generated client parses the
first content type an operation declares (JSON): the CSV comes through the generated client's own
authenticated httpx client, and its declared content type is checked against the answer."""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from blazz.dev.realstack import wait_until
from chats.tests.test_remote_media import PNG, FileServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PACKAGE = "blazz_client"
CUSTOMERS = ["+6281166600001", "+6281166600002", "+6281166600003"]


@pytest.fixture(scope="module")
def generated(stack, stack_a, tmp_path_factory):
    """The client package, generated from the schema daphne serves, imported from a temp dir."""
    with stack_a.api() as api:
        served = api.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert served.status_code == 200, served.text
    root = tmp_path_factory.mktemp("crm")
    (root / "schema.json").write_bytes(served.content)
    (root / "config.yaml").write_text("post_hooks: []\n")  # no ruff run on the output
    made = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(root / "schema.json"),
         "--output-path", str(root / PACKAGE), "--meta", "none", "--config", str(root / "config.yaml")],
        capture_output=True, text=True, timeout=120)
    assert made.returncode == 0 and "Warning" not in made.stdout + made.stderr, made.stdout + made.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def api(generated, stack, ws):
    return generated.AuthenticatedClient(base_url=stack.web_url, token=ws.api_key, headers={"Host": ws.host},
                                         raise_on_unexpected_status=True, timeout=httpx.Timeout(15))


def module(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


def find_or_create_contact(client, phone: str):
    contacts_list, contacts_create = module("api.contacts.contacts_list"), module("api.contacts.contacts_create")
    found = contacts_list.sync(client=client, q=phone.lstrip("+"))
    match = [c for c in found.results if c.phone == phone]
    if match:
        return match[0]
    body = module("models").ContactListInputRequest(phone=phone)
    return contacts_create.sync(client=client, body=body)


def send_text(client, contact_id: int, text: str):
    models = module("models")
    body = models.ContactMessagesInputRequest(client_id=f"crm-{uuid.uuid4()}", body=text,
                                              type_=models.ContactMessagesInputTypeEnum.TEXT)
    return module("api.contacts.messages_send").sync(contact_id, client=client, body=body)


def send_image_by_url(client, contact_id: int, url: str):
    models = module("models")
    body = models.ContactMessagesInputRequest(client_id=f"crm-{uuid.uuid4()}", media_url=url, caption="by url",
                                              type_=models.ContactMessagesInputTypeEnum.IMAGE)
    return module("api.contacts.messages_send").sync(contact_id, client=client, body=body)


@pytest.fixture
def files():
    served = FileServer({"/catalogue/dot.png": (200, "image/png", PNG, {})})
    yield served
    served.close()


def all_chats(client, page_size: int) -> list:
    chats_list = module("api.chats.chats_list")
    rows, cursor = [], module("types").UNSET
    while True:
        page = chats_list.sync(client=client, page_size=page_size, cursor=cursor)
        rows += page.results
        if not page.next_:
            return rows
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]


def test_a_generated_client_runs_a_crm_flow(generated, stack, stack_a, files):
    client = api(generated, stack, stack_a)
    models = module("models")

    # Find or create: the second lookup finds what the first made.
    contacts = [find_or_create_contact(client, phone) for phone in CUSTOMERS]
    assert [find_or_create_contact(client, phone).id for phone in CUSTOMERS] == [c.id for c in contacts]

    sent = [send_text(client, contact.id, f"Hello from the CRM {n}") for n, contact in enumerate(contacts)]
    assert all(isinstance(m, models.Message) and m.status == models.MessageStatusEnum.PENDING for m in sent)

    image = send_image_by_url(client, contacts[1].id, f"{files.url}/catalogue/dot.png")
    assert image.status == models.MessageStatusEnum.PENDING

    # Paginate the chats two by two: every chat once, ours among them.
    chats = all_chats(client, page_size=2)
    ids = [chat.id for chat in chats]
    assert len(ids) == len(set(ids)) and {c.id for c in contacts} <= set(ids)

    # Poll one message until the sandbox customer has read it.
    retrieve = module("api.messages.messages_retrieve")
    def read_message():
        message = retrieve.sync(sent[0].id, client=client)
        return message if message.status == models.MessageStatusEnum.READ else None

    read = wait_until(read_message, 20, message="the message to be read")
    assert read.wa_message_id and read.read_at and read.location is None

    # The image: fetched by the worker, then sent; the customer has it as a picture.
    def image_sent():
        message = retrieve.sync(image.id, client=client)
        return message if message.wa_message_id else None

    sent_image = wait_until(image_sent, 30, message="the image by URL to be sent")
    assert sent_image.media.mimetype == "image/png" and sent_image.caption == "by url"
    received = stack.customer(stack_a.session.id, CUSTOMERS[1])["received"]
    assert any(m["wa_message_id"] == sent_image.wa_message_id and m["type"] == "image" for m in received)

    # Export: JSON through the typed operation; CSV with its own content type.
    export = module("api.contacts.contacts_export")
    typed = export.sync(contacts[0].id, client=client, format_=models.ContactsExportFormat.JSON)
    assert any(m.body == "Hello from the CRM 0" for m in typed.messages)
    csv = client.get_httpx_client().get(f"/api/v1/contacts/{contacts[0].id}/export/", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "Hello from the CRM 0" in csv.text


def test_the_generated_client_reads_errors_in_the_one_shape(generated, stack, stack_a):
    client = api(generated, stack, stack_a)
    answer = module("api.messages.messages_retrieve").sync_detailed(987654321, client=client)
    assert answer.status_code == 404
    assert isinstance(answer.parsed, module("models").Error) and answer.parsed.error.code == "message_not_found"
