from __future__ import annotations

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
