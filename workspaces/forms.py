from django import forms


class SignupForm(forms.Form):
    name = forms.CharField(label="Workspace name", max_length=200)
    slug = forms.CharField(label="Address", max_length=64, help_text="Your inbox lives at <address>.BASE_DOMAIN")
    email = forms.CharField(label="Your email", max_length=300)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, max_length=200)


class LoginForm(forms.Form):
    email = forms.CharField(label="Email", max_length=300)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, max_length=200)


class InviteNewAccountForm(forms.Form):
    name = forms.CharField(label="Your name (your colleagues see it)", max_length=100)
    password = forms.CharField(label="Choose a password", widget=forms.PasswordInput, max_length=200)


class InviteLoginForm(forms.Form):
    password = forms.CharField(label="Your Blazz password", widget=forms.PasswordInput, max_length=200)
