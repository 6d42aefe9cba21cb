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
from workspaces import invitations, selectors, services, throttle
from workspaces.forms import InviteLoginForm, InviteNewAccountForm, LoginForm, SignupForm
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


def _throttled_authenticate(request, form):
    """authenticate() behind the login throttles (per account and per address, failures only).
    Returns (user or None, status): 429 when throttled, 401 on a wrong password."""
    email = services.normalise_email(form.cleaned_data["email"])
    ip = throttle.client_ip(request)
    wait = max(throttle.wait_seconds(throttle.LOGIN_FAILURES_PER_ACCOUNT, email),
               throttle.wait_seconds(throttle.LOGIN_FAILURES_PER_IP, ip))
    if wait:
        form.add_error(None, throttle.wait_message(wait))
        return None, 429
    user = authenticate(request, username=email, password=form.cleaned_data["password"])
    if user is None:
        throttle.record(throttle.LOGIN_FAILURES_PER_ACCOUNT, email)
        throttle.record(throttle.LOGIN_FAILURES_PER_IP, ip)
        form.add_error(None, _("Wrong email or password."))
        return None, 401
    return user, 200


# --- public host ---------------------------------------------------------------------------------


def landing(request):
    return render(request, "workspaces/landing.html", {"base_domain": settings.BASE_DOMAIN})


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = throttle.take(throttle.SIGNUPS_PER_IP, throttle.client_ip(request))
        if wait:
            form = SignupForm(request.POST)
            form.is_valid()
            form.add_error(None, throttle.wait_message(wait))
            status = 429
        elif form.is_valid():
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
            user, status = _throttled_authenticate(request, form)
            if user is not None:
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


@require_http_methods(["POST"])
def logout_view(request):
    """POST only (with CSRF): a GET, which any cross-site image can make, ends nobody's session.
    The session's open sockets on this host close."""
    services.session_end_sockets(workspace=getattr(request, "tenant", None), session_key=request.session.session_key)
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
            user, status = _throttled_authenticate(request, form)
            if user is None:
                pass
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
    """The invitation link. The invited email's account accepts by its password (or at once when
    signed in as it here); an email without an account creates it with a name and a password."""
    workspace = request.tenant
    try:
        invitation = invitations.invitation_for_token(token=token, workspace=workspace)
    except DomainError as exc:
        return render(request, "workspaces/refused.html", {"status": 400, "message": exc.message}, status=400)
    signed_in = request.user.is_authenticated and request.user.username == invitation.email
    has_account = signed_in or invitations.invitation_account_exists(invitation)
    form_class = InviteLoginForm if has_account else InviteNewAccountForm
    form = form_class(request.POST or None) if not signed_in else None
    status = 200
    wait = throttle.take(throttle.INVITE_ATTEMPTS_PER_IP, throttle.client_ip(request)) if request.method == "POST" else 0
    wait = wait or (throttle.wait_seconds(throttle.INVITE_FAILURES_PER_INVITATION, str(invitation.pk))
                    if request.method == "POST" else 0)
    if wait:
        form = form_class(request.POST)
        form.is_valid()
        form.add_error(None, throttle.wait_message(wait))
        status = 429
    elif request.method == "POST":
        status = 400
        try:
            user, status = _invite_user(request, token, invitation, form, signed_in)
        except DomainError as exc:
            if form is None:
                return render(request, "workspaces/refused.html", {"status": exc.status_code, "message": exc.message},
                              status=exc.status_code)
            _add_domain_errors(form, exc)
            status = exc.status_code
        else:
            if user is not None:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return HttpResponseRedirect("/")
    return render(request, "workspaces/invite.html", {
        "form": form, "workspace": workspace, "invitation": invitation, "has_account": has_account,
    }, status=status)


def _invite_user(request, token, invitation, form, signed_in):
    """(the user who accepted, 302) or (None, the page's status: the form says why)."""
    if signed_in:
        invitations.invitation_accept_as(token=token, workspace=request.tenant, user=request.user)
        return request.user, 302
    if not form.is_valid():
        return None, 400
    if isinstance(form, InviteNewAccountForm):
        return invitations.invitation_accept_new_account(
            token=token, workspace=request.tenant, name=form.cleaned_data["name"],
            password=form.cleaned_data["password"]), 302
    user = authenticate(request, username=invitation.email, password=form.cleaned_data["password"])
    if user is None:
        throttle.record(throttle.INVITE_FAILURES_PER_INVITATION, str(invitation.pk))
        throttle.record(throttle.LOGIN_FAILURES_PER_ACCOUNT, invitation.email)  # the same password guessed
        form.add_error("password", _("Wrong password."))
        return None, 401
    invitations.invitation_accept_as(token=token, workspace=request.tenant, user=user)
    return user, 302
