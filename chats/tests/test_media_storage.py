"""Media on S3 (django-storages, moto's in-process S3): the same API, one folder per workspace.

Storage is chosen from the environment by `blazz.media_settings.media_storage`; these tests build the
S3 configuration the way settings do and point STORAGES at it.
"""

import uuid

import boto3
import environ
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from moto import mock_aws

from blazz.media_settings import media_storage
from chats import services
from chats.models import MediaFile, MediaStatus
from conftest import host_client
from sessions_wa import bridge
from sessions_wa.models import SessionStatus, WhatsAppSession

BUCKET = "blazz-media-test"
PREFIX = "blazz-test"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

S3_ENV = {
    "AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_REGION_NAME": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing", "AWS_LOCATION": f"/{PREFIX}/",
}
STORAGE_VARS = ("MEDIA_STORAGE", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_REGION_NAME", "AWS_S3_ENDPOINT_URL",
                "AWS_S3_ADDRESSING_STYLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_LOCATION")


def storage_from(monkeypatch, **values) -> dict:
    for name in STORAGE_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return media_storage(environ.Env(), max_memory_size=5 * 1024 * 1024)


@pytest.fixture
def s3(settings, monkeypatch):
    """A moto S3 bucket as the default storage; yields a boto3 client to look inside it."""
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        settings.STORAGES = {**settings.STORAGES, "default": storage_from(monkeypatch, **S3_ENV)}
        yield client


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def read(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def upload(client, name="dot.png", content=PNG, content_type="image/png"):
    response = client.post("/api/v1/media/", {"file": SimpleUploadedFile(name, content, content_type=content_type)})
    assert response.status_code == 201, response.content
    return response.json()


# --- choosing the storage from the environment ---------------------------------------------------------


def test_media_storage_is_local_disk_by_default(monkeypatch):
    assert storage_from(monkeypatch) == {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"}
    assert storage_from(monkeypatch, MEDIA_STORAGE="local", AWS_STORAGE_BUCKET_NAME="b")["BACKEND"].endswith(
        "TenantFileSystemStorage")


def test_a_bucket_name_selects_s3_with_the_settings_from_the_environment(monkeypatch):
    config = storage_from(monkeypatch, AWS_STORAGE_BUCKET_NAME="media", AWS_S3_REGION_NAME="ap-southeast-3",
                          AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000", AWS_S3_ADDRESSING_STYLE="path",
                          AWS_ACCESS_KEY_ID="AK", AWS_SECRET_ACCESS_KEY="SK", AWS_LOCATION="/blazz/")
    assert config["BACKEND"] == "blazz.core.storage.TenantS3Storage"
    options = config["OPTIONS"]
    assert (options["bucket_name"], options["region_name"], options["endpoint_url"], options["addressing_style"]) == (
        "media", "ap-southeast-3", "http://127.0.0.1:9000", "path")
    assert (options["access_key"], options["secret_key"], options["location"]) == ("AK", "SK", "blazz")
    assert options["file_overwrite"] is False and options["default_acl"] is None


def test_unset_keys_leave_credentials_to_boto3(monkeypatch):
    options = storage_from(monkeypatch, MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="media")["OPTIONS"]
    assert (options["access_key"], options["secret_key"], options["region_name"], options["location"]) == (
        None, None, None, "")


@pytest.mark.parametrize("values", [{"MEDIA_STORAGE": "s3"}, {"MEDIA_STORAGE": "ftp"}])
def test_a_broken_storage_configuration_refuses_to_start(monkeypatch, values):
    with pytest.raises(ImproperlyConfigured):
        storage_from(monkeypatch, **values)


# --- the media API on S3 --------------------------------------------------------------------------------


def test_uploaded_media_is_stored_in_the_bucket_under_the_workspace_folder(world, client_a, s3):
    media = upload(client_a)

    [key] = keys(s3)
    assert key.startswith(f"{PREFIX}/{world.ws_a.schema_name}/media/") and key.endswith(".png")
    assert read(s3, key) == PNG
    with schema_context(world.ws_a.schema_name):
        stored = MediaFile.objects.get(pk=media["id"])
    assert f"{PREFIX}/{world.ws_a.schema_name}/{stored.file.name}" == key  # the row keeps the name only


def test_media_is_served_back_from_the_bucket(client_a, s3):
    media = upload(client_a)

    response = client_a.get(media["url"])

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_each_workspace_writes_to_its_own_folder_and_reads_only_its_own(world, client_a, client_b, s3):
    media_a = upload(client_a, name="same.png")
    media_b = upload(client_b, name="same.png", content=PNG + b"b")

    [key_a, key_b] = sorted(keys(s3), key=lambda key: world.ws_b.schema_name in key)
    assert key_a.startswith(f"{PREFIX}/{world.ws_a.schema_name}/")
    assert key_b.startswith(f"{PREFIX}/{world.ws_b.schema_name}/")
    assert read(s3, key_b) == PNG + b"b"
    assert client_b.get(f"/api/v1/media/{media_a['id']}/").status_code == 404
    assert b"".join(client_b.get(media_b["url"]).streaming_content) == PNG + b"b"


def test_two_uploads_with_one_name_keep_both_files(client_a, s3):
    first = upload(client_a, name="photo.png", content=PNG)
    second = upload(client_a, name="photo.png", content=PNG + b"2")

    assert len(keys(s3)) == 2
    assert b"".join(client_a.get(first["url"]).streaming_content) == PNG
    assert b"".join(client_a.get(second["url"]).streaming_content) == PNG + b"2"


def test_inbound_media_fetched_from_the_bridge_lands_in_the_bucket(world, s3, monkeypatch):
    calls = []

    def media_download(session_id, media_id):
        calls.append((session_id, media_id))
        return b"OggS voice", "audio/ogg"

    monkeypatch.setattr(bridge, "media_download", media_download)
    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.create(id=f"ws_acme.{uuid.uuid4().hex[:8]}", engine="sandbox",
                                                 status=SessionStatus.CONNECTED)
        pending = MediaFile.objects.create(mimetype="audio/ogg", status=MediaStatus.PENDING,
                                           bridge_media_id="bm-1", session=session)

        media = services.media_fetch_from_bridge(media_id=pending.pk)

    assert calls == [(session.id, "bm-1")] and media.status == MediaStatus.READY
    [key] = keys(s3)
    assert key.startswith(f"{PREFIX}/{world.ws_a.schema_name}/media/") and read(s3, key) == b"OggS voice"


def test_the_bridge_fetches_media_to_send_from_the_bucket(world, client_a, s3, settings):
    settings.BRIDGE_TOKEN = "bridge-token"
    media = upload(client_a)

    response = host_client().get(f"/internal/media/{world.ws_a.schema_name}/{media['id']}/",
                                        HTTP_AUTHORIZATION="Bearer bridge-token")

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
