"""The bridge's signed events, `POST /hooks/bridge/` on a public host: verify.py (the Standard
Webhooks signature), schemas.py (each event's data against the bridge contract), apply.py (exactly
once, inside the workspace's schema), asgi.py (the route daphne serves), views.py (the same for
Django's test client and WSGI)."""
