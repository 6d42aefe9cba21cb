"""Media storage on S3 (or any S3-compatible store), one folder per workspace.

The local default, django-tenants' TenantFileSystemStorage, keeps a workspace's files under
`MEDIA_ROOT/<schema>/`; this is its twin on S3: keys are `<AWS_LOCATION>/<schema>/<name>`, the
schema being the one the current connection is on. A FileField stores only `<name>`
(`media/2026/05/photo.jpg`), so a row never names its workspace's folder and reads go back to the
folder of the workspace they run in: one workspace cannot open another's file by its name.

Selected in settings (`MEDIA_STORAGE=s3`, or `AWS_STORAGE_BUCKET_NAME` set); see
`blazz.media_settings.media_storage` for the environment it reads.
"""

from __future__ import annotations

from django.conf import settings
from django_tenants.utils import parse_tenant_config_path
from storages.backends.s3 import S3Storage


class TenantS3Storage(S3Storage):
    # `location` is read on every call (never cached) because it depends on the schema the
    # connection is on now. The setter keeps the configured prefix; django-storages sets it once
    # from AWS_LOCATION / OPTIONS in __init__ (hasattr() is false until then, as the getter needs
    # `_prefix`).
    @property
    def location(self) -> str:
        workspace_folder = parse_tenant_config_path(getattr(settings, "MULTITENANT_RELATIVE_MEDIA_ROOT", "%s"))
        return "/".join(part for part in (self._prefix, workspace_folder.strip("/")) if part)

    @location.setter
    def location(self, value: str) -> None:
        self._prefix = (value or "").strip("/")
