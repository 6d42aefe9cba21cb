"""What every app builds on and that builds on no app: the error shape, input validation, JSON
parsing, the OpenAPI helpers, media storage, the lean row path, and the real-time event catalogue
with its one publisher. Nothing here imports an app (workspaces, chats, sessions_wa, webhooks)."""
