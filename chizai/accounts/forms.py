from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from django import forms
from django.contrib.auth import get_user_model

from chizai.organizations.models import Role


class InviteForm(forms.Form):
    username = forms.RegexField(
        label="ユーザー名",
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": "ユーザー名は半角の英数字と @ . + - _ で入力してください。"},
        help_text="ログインに使う名前（半角英数字）。",
    )
    email = forms.EmailField(label="メールアドレス", help_text="招待メールの宛先。パスワードの再設定にも使います。")
    last_name = forms.CharField(label="姓", max_length=150, required=False)
    first_name = forms.CharField(label="名", max_length=150, required=False)
    role = forms.ChoiceField(label="役割", choices=Role.choices, initial=Role.VIEWER)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("このユーザー名は既に使われています。")
        return username


class LoginForm(AllauthLoginForm):  # type: ignore[misc]  # allauth has no type hints
    """allauth's login form with the app's wording (ユーザー名) and no placeholders repeating the labels, so the
    one form include (includes/form_field.html) shows it like every other form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "ユーザー名"
        self.fields["password"].help_text = ""  # the page links to the password reset below the form
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
        self.fields["login"].widget.attrs["autofocus"] = True


class MfaAuthenticateForm(AllauthAuthenticateForm):  # type: ignore[misc]  # allauth has no type hints
    """allauth's second-factor form, labelled as the page explains it (認証コード)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "認証コード"
        self.fields["code"].widget.attrs.pop("placeholder", None)
        self.fields["code"].widget.attrs["autofocus"] = True
