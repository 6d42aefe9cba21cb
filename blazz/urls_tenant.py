"""URLs of a workspace host `{slug}.{BASE_DOMAIN}`: the inbox SPA, the REST API, the tenant admin."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from blazz.admin_sites import tenant_admin
from blazz.health import health_view
from blazz.metrics_view import metrics_view
from blazz.spa import favicon_view, spa_view
from workspaces import views as workspaces_views

urlpatterns = [
    path("favicon.ico", favicon_view, name="favicon"),
    path("login/", workspaces_views.workspace_login, name="login"),
    path("logout/", workspaces_views.logout_view, name="logout"),
    path("auth/handoff/", workspaces_views.login_handoff, name="login-handoff"),
    path("invite/<str:token>/", workspaces_views.invite_accept, name="invite-accept"),
    path("admin/", tenant_admin.urls),
    path("api/health/", health_view, name="health"),
    path("metrics", metrics_view, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("blazz.api_urls")),
    path("", spa_view, name="inbox"),
    re_path(r"^(?!api/|hooks/|static/|admin/|media/|ws/)(?P<path>.*)$", spa_view),
]

handler400 = "blazz.core.errors.bad_request_view"
handler404 = "blazz.core.errors.not_found_view"
handler500 = "blazz.core.errors.server_error_view"
