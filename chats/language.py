"""The language of what Blazz writes into a workspace for everyone to read (system lines in a
thread, failure reasons, pause reasons): the workspace's own (Workspace.language), whoever or
whatever caused it. A request's own answers use the request's language instead
(workspaces.middleware.WorkspaceLocaleMiddleware)."""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import translation


def workspace_language() -> str:
    from workspaces.models import Workspace

    language = Workspace.objects.filter(schema_name=connection.schema_name).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


@contextmanager
def in_workspace_language():
    """gettext inside the block speaks the current schema's workspace language."""
    with translation.override(workspace_language()):
        yield


def said(message: str, **params) -> str:
    """`message` (marked for translation with gettext_noop where it is written) in the workspace's
    language, its `%(name)s` placeholders filled."""
    with in_workspace_language():
        text = translation.gettext(message)
    return text % params if params else text

