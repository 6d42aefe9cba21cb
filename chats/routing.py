"""WebSocket routes of a workspace host."""

from django.urls import path

from chats.consumers.inbox import InboxConsumer

websocket_urlpatterns = [path("ws/inbox/", InboxConsumer.as_asgi())]
