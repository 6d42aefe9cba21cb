"""URLs of the public host: landing, signup, login, the superusers' admin, health, the bridge webhook."""

from django.urls import include, path

from blazz.admin_sites import public_admin
from blazz.health import health_view
from blazz.metrics_view import metrics_view
from blazz.spa import favicon_view
from chats.internal import internal_media
from nodes.views import bridge_auth
from workspaces import api as workspaces_api, views as workspaces_views

urlpatterns = [
    path("", workspaces_views.landing, name="landing"),
    path("favicon.ico", favicon_view, name="favicon"),
    path("signup/", workspaces_views.signup, name="signup"),
    path("login/", workspaces_views.public_login, name="login"),
    path("logout/", workspaces_views.logout_view, name="logout"),
    path("workspaces/", workspaces_views.workspace_picker, name="workspace-picker"),
    path("admin/", public_admin.urls),
    path("api/health/", health_view, name="health"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/signup/", workspaces_api.SignupApi.as_view(), name="api-signup"),
    path("hooks/", include("webhooks.urls")),
    path("internal/media/<str:schema>/<str:media_id>/", internal_media, name="internal-media"),
    # No trailing slash: the bridge's auth store calls it so (a redirect would lose a PUT's body).
    path("internal/bridge/auth/<str:session_id>", bridge_auth, name="internal-bridge-auth"),
]

handler400 = "blazz.core.errors.bad_request_view"
handler404 = "blazz.core.errors.not_found_view"
handler500 = "blazz.core.errors.server_error_view"
