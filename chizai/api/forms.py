"""The API token page's form: how long the new token lives and whether it may only read."""

from __future__ import annotations

from typing import Any

from django import forms


class TokenForm(forms.Form):
    days = forms.IntegerField(
        label="有効期間（日）",
        required=False,
        error_messages={"invalid": "有効期間は日数（半角数字）で指定してください。"},
    )
    read_only = forms.BooleanField(label="読み取り専用（登録・変更・削除はできないトークン）", required=False)

    def __init__(self, *args: Any, max_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        days.initial = max_days
        days.help_text = f"1〜{max_days}日。期限を過ぎたトークンは使えなくなります。"
        days.widget.attrs.update({"min": 1, "max": max_days})
