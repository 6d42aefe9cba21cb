"""The inbox SPA on a workspace host: Vite's built index.html, for members only; and the site's icon."""

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


# The mark of frontend/index.html's inline icon, for what asks `/favicon.ico` itself (the server
# pages, bookmarks, crawlers): on every host, the public one included.
FAVICON_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="16" fill="#00a884"/>'
    b'<path d="M9 23l1.6-4.7A8 8 0 1 1 13.6 21z" fill="#fff"/></svg>'
)


def favicon_view(request):
    response = HttpResponse(FAVICON_SVG, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
