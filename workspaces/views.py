"""Server-rendered pages: landing, signup and login on the public host; login, logout, the
login hand-off and invites on a workspace host."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from blazz.core.errors import DomainError
from workspaces import selectors, services
from workspaces.forms import LoginForm, PasswordForm, SignupForm
from workspaces.middleware import SESSION_WORKSPACE_KEY


@receiver(user_logged_in)
def bind_session_to_host(sender, request, user, **kwargs):
    """A login is valid on the host it was made on only (see WorkspaceAccessMiddleware)."""
    tenant = getattr(request, "tenant", None)
    if tenant is not None:
        request.session[SESSION_WORKSPACE_KEY] = tenant.schema_name


def _safe_next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _handoff_url(user, workspace, next_path="/"):
    token = services.login_handoff_token(user=user, workspace=workspace)
    return f"{workspace.url}/auth/handoff/?token={token}&next={next_path}"


def _add_domain_errors(form, exc: DomainError):
    for field, messages in exc.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)


# --- public host ---------------------------------------------------------------------------------


def landing(request):
    return render(request, "workspaces/landing.html", {"base_domain": settings.BASE_DOMAIN})


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user, workspace = services.signup(**form.cleaned_data)
            except DomainError as exc:
                _add_domain_errors(form, exc)
                status = exc.status_code
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return HttpResponseRedirect(_handoff_url(user, workspace))
        else:
            status = 400
    return render(request, "workspaces/signup.html", {"form": form, "base_domain": settings.BASE_DOMAIN}, status=status)


@require_http_methods(["GET", "POST"])
def public_login(request):
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            user = authenticate(
                request, username=services.normalise_email(form.cleaned_data["email"]),
                password=form.cleaned_data["password"],
            )
            if user is None:
                form.add_error(None, _("Wrong email or password."))
                status = 401
            else:
                login(request, user)
                return HttpResponseRedirect("/workspaces/")
    return render(request, "workspaces/login.html", {"form": form, "public": True}, status=status)


@login_required(login_url="/login/")
def workspace_picker(request):
    workspaces = list(selectors.workspace_list_for_user(user=request.user))
    if request.GET.get("go"):
        chosen = next((w for w in workspaces if w.slug == request.GET["go"]), None)
        if chosen is not None:
            return HttpResponseRedirect(_handoff_url(request.user, chosen))
    return render(request, "workspaces/picker.html", {"workspaces": workspaces})


def logout_view(request):
    logout(request)
    return HttpResponseRedirect("/login/")


# --- workspace host ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def workspace_login(request):
    """Members only: a valid account that is not a member of this workspace gets a 403 page."""
    workspace = request.tenant
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            user = authenticate(
                request, username=services.normalise_email(form.cleaned_data["email"]),
                password=form.cleaned_data["password"],
            )
            if user is None:
                form.add_error(None, _("Wrong email or password."))
                status = 401
            elif selectors.membership_for(user=user, workspace=workspace) is None:
                return render(
                    request, "workspaces/refused.html",
                    {"status": 403, "message": _("%(email)s is not a member of %(workspace)s.") % {"email": user.email, "workspace": workspace.name}},
                    status=403,
                )
            else:
                login(request, user)
                return HttpResponseRedirect(_safe_next(request))
    return render(
        request, "workspaces/login.html",
        {"form": form, "workspace": workspace, "next": _safe_next(request)}, status=status,
    )


def login_handoff(request):
    user = services.login_handoff_redeem(token=request.GET.get("token", ""), workspace=request.tenant)
    if user is None:
        return HttpResponseRedirect("/login/")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(_safe_next(request))


@require_http_methods(["GET", "POST"])
def invite_accept(request, token):
    form = PasswordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = services.invite_accept(token=token, password=form.cleaned_data["password"],
                                              workspace=request.tenant)
            except DomainError as exc:
                _add_domain_errors(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return HttpResponseRedirect("/")
    return render(request, "workspaces/invite.html", {"form": form, "workspace": request.tenant}, status=status)
