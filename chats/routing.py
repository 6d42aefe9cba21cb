"""WebSocket routes of a workspace host."""

websocket_urlpatterns: list = []
