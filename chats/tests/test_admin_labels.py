"""Django admin labels of the tenant apps' models come through gettext: an Indonesian-speaking
superuser reads the admin index and a changelist in Indonesian, an English one in English."""

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from chats.models import Contact
from conftest import host_client


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root@blazz.test", "root@blazz.test", "a-long-enough-passphrase")


def _page(world, superuser, language, path):
    with schema_context(world.ws_a.schema_name):
        Contact.objects.get_or_create(wa_id="6281200000001@c.us", defaults={"phone": "+6281200000001"})
    response = host_client(world.ws_a, superuser, HTTP_ACCEPT_LANGUAGE=language).get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_tenant_admin_index_names_every_app_s_models_in_indonesian(world, superuser):
    page = _page(world, superuser, "id-ID,id;q=0.9", "/admin/")

    for app in ["Chat", "Otomatisasi", "Webhook", "Sesi WhatsApp"]:
        assert f"class=\"section\" title=\"Model pada aplikasi {app}\">{app}<" in page, app
    for label in ["Kontak", "Pesan", "File media", "Sesi WhatsApp", "Endpoint webhook", "Pengiriman webhook",
                  "Aturan balasan otomatis", "Pesan terjadwal", "Templat", "Jam kerja"]:
        assert f">{label}<" in page, label
    assert "/chats/contact/\">Contacts<" not in page and "/whatsappsession/\">WhatsApp sessions<" not in page


def test_a_tenant_changelist_has_indonesian_column_headers(world, superuser):
    page = _page(world, superuser, "id", "/admin/chats/contact/")

    for header in ["Nama", "Telepon", "Belum dibaca", "Pesan terakhir pada", "Sesi"]:
        assert f">{header}<" in page, header
    assert "+6281200000001" in page


def test_the_same_changelist_stays_english_for_an_english_reader(world, superuser):
    page = _page(world, superuser, "en", "/admin/chats/contact/")

    for header in ["Name", "Phone", "Unread", "Last message at", "Session"]:
        assert f">{header}<" in page, header
    assert ">Telepon<" not in page and ">Belum dibaca<" not in page
