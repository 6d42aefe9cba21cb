from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Workspace name"), max_length=200)
    slug = forms.CharField(label=_("Address"), max_length=64, help_text=_("Your inbox lives at <address>.BASE_DOMAIN"))
    email = forms.CharField(label=_("Your email"), max_length=300)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=200)


class LoginForm(forms.Form):
    email = forms.CharField(label=_("Email"), max_length=300)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=200)


class InviteNewAccountForm(forms.Form):
    name = forms.CharField(label=_("Your name (your colleagues see it)"), max_length=100)
    password = forms.CharField(label=_("Choose a password"), widget=forms.PasswordInput, max_length=200)


class InviteLoginForm(forms.Form):
    password = forms.CharField(label=_("Your Blazz password"), widget=forms.PasswordInput, max_length=200)
