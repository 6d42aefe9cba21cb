"""A broadcast's CSV of recipients: phones in any common form (phonenumbers, the workspace's
country), a variable per column, every bad row reported with its line and reason."""

import pytest

from chats.automation.models import BroadcastRecipient
from chats.automation.services import broadcasts
from chats.automation.services.templates import template_save
from chats.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(acme):
    return template_save(name="Order", body="Halo {{contact.name}}, pesanan {{1}} siap di {{toko}}")


def test_phones_are_normalised_variables_kept_per_row_and_bad_rows_reported(template):
    csv_text = ("\ufeffPhone;Nama;1;toko\n"
                "0812-3456-0001;Ani;ORD-1;Kemang\n"
                "+62 812 3456 0002;Budi;ORD-2;Depok\n"
                "\n"
                "12;Cici;ORD-3;Bogor\n"
                ";Dedi;ORD-4;Bogor\n"
                "62812-3456-0001;Ani lagi;ORD-5;Kemang\n"
                "6281234560003;Eka;;Bekasi\n")
    broadcast, bad = broadcasts.broadcast_create(name="csv", template_id=template.pk, csv_text=csv_text)
    assert [(row["line"], row["reason"]) for row in bad][1:] == [(6, "no phone number"), (7, "the same phone again")]
    assert bad[0]["line"] == 5 and bad[0]["reason"]  # "12": phonenumbers' reason, in words
    recipients = {r.contact.phone: r for r in BroadcastRecipient.objects.filter(broadcast=broadcast)
                  .select_related("contact")}
    assert set(recipients) == {"+6281234560001", "+6281234560002", "+6281234560003"}
    assert recipients["+6281234560001"].variables == {"1": "ORD-1", "toko": "Kemang"}
    assert recipients["+6281234560001"].contact.name == "Ani"
    # A row without a variable the template needs is skipped with the reason, not sent half-filled.
    assert recipients["+6281234560003"].status == "skipped" and "1" in recipients["+6281234560003"].error
    assert recipients["+6281234560002"].status == "queued"
    assert Contact.objects.filter(phone="+6281234560002", name="Budi").exists()


def test_a_csv_without_a_phone_column_is_a_400(client_a, acme, template):
    answer = client_a.post("/api/v1/broadcasts/", {"name": "x", "template_id": template.pk, "csv": "nama,1\nAni,2\n"},
                           content_type="application/json")
    assert answer.status_code == 400 and answer.json()["error"]["fields"]["csv"] == ["no phone column"]
