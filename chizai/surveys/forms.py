from __future__ import annotations

from django import forms

from chizai.surveys.models import Questionnaire


class InviteForm(forms.Form):
    questionnaire = forms.ModelChoiceField(label="調査票", queryset=Questionnaire.objects.none(), empty_label=None)
    email = forms.EmailField(label="送付先メールアドレス", help_text="回答用のリンクを記載したメールを送ります。")
    valid_days = forms.IntegerField(label="回答期限（日数）", min_value=1, max_value=365, initial=30)

    def __init__(self, *args: object, questionnaires: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["questionnaire"].queryset = questionnaires  # type: ignore[attr-defined]
