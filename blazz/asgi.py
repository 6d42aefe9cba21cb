"""HTTP and WebSockets in one ASGI app, served by daphne.

HTTP goes to Django (django-tenants picks the schema from the host), except the bridge's signed
webhooks, which `webhooks.inbound.asgi` applies without Django's request machinery. WebSockets go through
`TenantWebsocketMiddleware` (django-tenants has none: it resolves the workspace from the Host
header before auth and refuses unknown hosts), then session auth, then the inbox consumer.
"""

import gc
import os

from daphne import http_protocol
from django.core.asgi import get_asgi_application


class _DjangoParsesTheBody(http_protocol.WebRequest):
    """Twisted parses every multipart POST body itself (in memory) before daphne sees it, for a
    `request.args` nobody reads; a body it cannot parse (an empty multipart: `--boundary--`) gets
    a bare 400 with no body and no content type, which bypasses Django and the one error shape.
    Django parses the body, so Twisted should not."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "parsePOSTFormSubmission": False})


# daphne's HTTPFactory reads this module attribute when it builds each connection's protocol.
http_protocol.WebRequest = _DjangoParsesTheBody

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blazz.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chats.routing import websocket_urlpatterns  # noqa: E402
from webhooks.inbound.asgi import bridge_webhook_app, handles as bridge_webhook_handles  # noqa: E402
from workspaces.asgi import TenantWebsocketMiddleware  # noqa: E402


async def http_application(scope, receive, send):
    """The bridge's webhooks skip Django's request handling (webhooks/inbound/asgi.py); the rest is Django."""
    if bridge_webhook_handles(scope):
        return await bridge_webhook_app(scope, receive, send)
    return await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": TenantWebsocketMiddleware(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Everything imported so far (Django, DRF, the apps: ~140,000 objects) lives as long as the process.
# Left to the collector, each full collection walks all of it: a ~35 ms pause of every request and
# socket of this process, every few seconds under load (the p99 of a send). Frozen, they are
# skipped; what requests allocate is still collected.
gc.freeze()
