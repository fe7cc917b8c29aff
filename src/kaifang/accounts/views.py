"""Sign-in, sign-out and the profile page where people make and revoke their API tokens.

A token's secret is shown exactly once, in the response to the request that made it, and is
never stored anywhere it could be read back (not in the session, not in a message): only its
hash is kept.
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kaifang.accounts import services
from kaifang.accounts.models import ApiToken
from kaifang.core.errors import Invalid
from kaifang.organizations.models import Membership

MAX_TOKEN_DAYS = 3650


class TokenForm(forms.Form):
    """A new API token: a name to tell it apart, and an optional lifetime in days."""

    name = forms.CharField(
        label=gettext_lazy("令牌名称"),
        max_length=100,
        help_text=gettext_lazy("用来区分不同的令牌，如“数据同步脚本”。"),
        error_messages={"required": gettext_lazy("请填写令牌名称。")},
    )
    expires_days = forms.IntegerField(
        label=gettext_lazy("有效天数"),
        required=False,
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        help_text=gettext_lazy("留空表示长期有效，可随时撤销。"),
        error_messages={
            "invalid": gettext_lazy("有效天数应为整数。"),
            "min_value": gettext_lazy("有效天数至少为 1 天。"),
            "max_value": gettext_lazy("有效天数不能超过 3650 天。"),
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_minutes"] = settings.SESSION_COOKIE_AGE // 60
        return context


class LogoutView(auth_views.LogoutView):
    """Sign-out by POST only (Django's rule), so a link or an image cannot sign anyone out."""


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("密码已修改。"))
        return super().form_valid(form)


def _profile(
    request: HttpRequest,
    *,
    form: TokenForm | None = None,
    new_secret: str = "",
    new_token: ApiToken | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "tokens": ApiToken.objects.filter(user=user),
        "memberships": Membership.objects.filter(user=user).select_related("department"),
        "form": form or TokenForm(),
        "new_secret": new_secret,
        "new_token": new_token,
    }
    return render(request, "accounts/profile.html", context, status=status)


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's roles and API tokens."""
    return _profile(request)


@never_cache
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Make a token and show its secret on this one response; a reload does not show it."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile(request, form=form, status=422)
    try:
        token, secret = services.create_token(
            request.user,
            name=form.cleaned_data["name"],
            expires_days=form.cleaned_data["expires_days"],
        )
    except Invalid as exc:
        for key, errors in (exc.errors or {None: [exc.message]}).items():
            for error in errors:
                form.add_error(key if key in form.fields else None, error)
        return _profile(request, form=form, status=422)
    return _profile(request, new_secret=secret, new_token=token, status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    """Revoke one of the user's own tokens; someone else's is not found."""
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(request.user, token)
    messages.success(request, _("令牌“%(name)s”已撤销。") % {"name": token.name})
    return redirect("accounts:profile")
