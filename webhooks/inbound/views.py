"""POST /hooks/bridge/ as a Django view, for Django's test client and a WSGI server. Under daphne
the route is served by asgi.py, with the same answers: both are verify() then receive()."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from webhooks.inbound.receive import receive
from webhooks.inbound.verify import verify


@csrf_exempt
@require_POST
def bridge_webhook(request):
    body, headers = request.body, {name.lower(): value for name, value in request.headers.items()}
    status, content = verify(body, headers) or receive(body, headers)
    return JsonResponse(content, status=status)
