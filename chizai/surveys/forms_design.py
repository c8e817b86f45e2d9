"""The forms of questionnaire design: the questionnaire's own fields and one form per question (a formset).

Each question's rules show beside its field (a choice question needs two choices, a condition names an earlier
question and one of its answers); the action (`actions.create_questionnaire` / `revise_questionnaire`) checks
them again, so a rule holds however the questionnaire is written.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import validate_slug

from chizai.surveys.actions import QuestionSpec
from chizai.surveys.models import (
    CHOICE_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Audience,
    Question,
    QuestionKind,
    Questionnaire,
)

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
EXTRA_QUESTIONS = 2


class QuestionnaireForm(forms.Form):
    code = forms.SlugField(
        label="識別子",
        max_length=50,
        help_text="半角英数字とハイフン（例: follow-up-2025）。版を重ねても同じ識別子です。",
        error_messages={"invalid": "識別子は半角英数字・ハイフン・下線で入力してください。"},
    )
    title = forms.CharField(label="題名", max_length=TITLE_MAX_LENGTH)
    audience = forms.ChoiceField(label="対象", choices=Audience.choices)
    anonymous = forms.BooleanField(
        label="匿名で回答を集める", required=False, help_text="回答と事例・企業の対応を残しません。"
    )
    introduction = forms.CharField(label="前書き", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, editing: Questionnaire | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing is not None:  # code, audience and anonymity stay with the questionnaire across versions
            for name in ("code", "audience", "anonymous", "introduction"):
                del self.fields[name]

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if Questionnaire.objects.filter(code=code).exists():
            raise forms.ValidationError(
                "この識別子の調査票はすでにあります。別の識別子にするか、その調査票を編集してください。"
            )
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("audience") == Audience.MUNICIPALITY and cleaned.get("anonymous"):
            self.add_error("anonymous", "自治体アンケートは都道府県ごとに1件の回答を集めるため、匿名にはできません。")
        return cleaned


class QuestionForm(forms.Form):
    key = forms.CharField(
        label="識別子",
        max_length=50,
        validators=[validate_slug],
        help_text="半角英数字（版を重ねても同じにすると集計がつながります）",
        error_messages={"invalid": "識別子は半角英数字・ハイフン・下線で入力してください。"},
    )
    text = forms.CharField(label="設問", max_length=QUESTION_MAX_LENGTH)
    help_text = forms.CharField(label="補足", max_length=QUESTION_MAX_LENGTH, required=False)
    kind = forms.ChoiceField(label="形式", choices=QuestionKind.choices)
    required = forms.BooleanField(label="回答必須", required=False)
    choices = forms.CharField(
        label="選択肢",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="単一・複数選択のとき、1行に1つ（2つ以上）",
    )
    show_if_key = forms.CharField(label="表示条件：設問の識別子", max_length=50, required=False)
    show_if_value = forms.CharField(label="表示条件：その回答", max_length=CHOICE_MAX_LENGTH, required=False)

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("choices", "").splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        choices = self.choice_list()
        if cleaned.get("kind") in CHOICE_KINDS and len(choices) < 2:
            self.add_error("choices", "選択肢を2つ以上、1行に1つずつ入力してください。")
        if any(len(choice) > CHOICE_MAX_LENGTH for choice in choices):
            self.add_error("choices", f"選択肢は{CHOICE_MAX_LENGTH}文字以内にしてください。")
        if bool(cleaned.get("show_if_key")) != bool(cleaned.get("show_if_value")):
            self.add_error("show_if_value", "表示条件は、設問の識別子と回答の両方を入力してください。")
        return cleaned

    def spec(self) -> QuestionSpec:
        data = self.cleaned_data
        kind = data["kind"]
        return QuestionSpec(
            key=data["key"],
            text=data["text"],
            kind=kind,
            required=data["required"],
            choices=tuple(self.choice_list()) if kind in CHOICE_KINDS else (),
            help_text=data["help_text"],
            show_if_key=data["show_if_key"],
            show_if_value=data["show_if_value"],
        )


class BaseQuestionFormSet(forms.BaseFormSet[QuestionForm]):
    def clean(self) -> None:
        """Keys unique; a condition names an earlier question and one of its answers."""
        if any(self.errors):
            return
        seen: dict[str, QuestionForm] = {}
        for form in self.kept():
            data = form.cleaned_data
            if data["key"] in seen:
                form.add_error("key", "この識別子は別の設問で使っています。")
            condition = data.get("show_if_key")
            if condition:
                earlier = seen.get(condition)
                if earlier is None:
                    form.add_error("show_if_key", "表示条件には、この設問より前の設問の識別子を入力してください。")
                elif (
                    earlier.cleaned_data["kind"] in CHOICE_KINDS and data["show_if_value"] not in earlier.choice_list()
                ):
                    form.add_error("show_if_value", "表示条件の回答は、その設問の選択肢から入力してください。")
            seen.setdefault(data["key"], form)
        if not self.kept():
            raise forms.ValidationError("設問を1つ以上入力してください。")

    def kept(self) -> list[QuestionForm]:
        """The filled-in question forms, not marked for deletion, in order."""
        return [form for form in self.forms if form.cleaned_data.get("key") and not form.cleaned_data.get("DELETE")]

    def specs(self) -> list[QuestionSpec]:
        return [form.spec() for form in self.kept()]


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=EXTRA_QUESTIONS, can_delete=True, max_num=100
)


def question_formset(data: Any, initial: list[dict[str, Any]] | None = None) -> BaseQuestionFormSet:
    return cast(BaseQuestionFormSet, QuestionFormSet(data, prefix="q", initial=initial))


def initial_questions(questions: list[Question]) -> list[dict[str, Any]]:
    return [
        {
            "key": q.key,
            "text": q.text,
            "help_text": q.help_text,
            "kind": q.kind,
            "required": q.required,
            "choices": "\n".join(str(c) for c in q.choices),
            "show_if_key": q.show_if_key,
            "show_if_value": q.show_if_value,
        }
        for q in questions
    ]
