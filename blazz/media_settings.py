"""Where media files live, from the environment: settings.STORAGES["default"]."""

from __future__ import annotations


def media_storage(env, *, max_memory_size: int) -> dict:
    """STORAGES["default"] from the environment: local disk under MEDIA_ROOT unless
    MEDIA_STORAGE=s3 (the default once AWS_STORAGE_BUCKET_NAME is set). Every file is saved and
    read through this storage (FileField / default_storage), never by a filesystem path."""
    from django.core.exceptions import ImproperlyConfigured

    bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    kind = env.str("MEDIA_STORAGE", default="s3" if bucket else "local").lower()
    if kind == "local":
        return {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be `local` or `s3`, not {kind!r}.")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    return {
        "BACKEND": "blazz.core.storage.TenantS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,  # MinIO, R2, Ceph ...
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,  # `path` for most MinIO
            # Unset: boto3's own chain (instance role, ~/.aws, AWS_PROFILE).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "security_token": env.str("AWS_SESSION_TOKEN", default="") or None,
            "location": env.str("AWS_LOCATION", default="").strip("/"),  # key prefix before <schema>/
            "default_acl": None,  # private objects: files are served through Django, members only
            "querystring_auth": True,
            # Two uploads of `photo.jpg` in one month get two keys, as on disk (S3Storage's default
            # would overwrite the first).
            "file_overwrite": False,
            # Reads spill to a temporary file past this size instead of holding the file in memory.
            "max_memory_size": max_memory_size,
        },
    }
