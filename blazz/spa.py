"""The inbox SPA on a workspace host: Vite's built index.html, for members only."""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from workspaces import selectors


@lru_cache(maxsize=1)
def _index_html(mtime: float) -> str:
    return (settings.FRONTEND_DIST / "index.html").read_text()


def _load_index() -> str | None:
    index = settings.FRONTEND_DIST / "index.html"
    try:
        return _index_html(index.stat().st_mtime)
    except FileNotFoundError:
        return None


@ensure_csrf_cookie
def spa_view(request, path: str = ""):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), "/login/")
    if selectors.membership_for(user=request.user, workspace=request.tenant) is None:
        return render(request, "workspaces/refused.html",
                      {"status": 403, "message": f"You are not a member of {request.tenant.name}."}, status=403)
    html = _load_index()
    if html is None:
        return HttpResponse(
            "<h1>The inbox is not built</h1><p>Run <code>make run</code> (it builds frontend/).</p>", status=503
        )
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response
