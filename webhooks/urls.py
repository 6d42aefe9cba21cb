"""/hooks/ on the public host: the bridge's signed webhooks land here."""

from django.urls import path

from webhooks.inbound.views import bridge_webhook

urlpatterns = [path("bridge/", bridge_webhook, name="bridge-webhook")]
