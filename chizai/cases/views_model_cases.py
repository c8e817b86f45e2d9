"""Model case pages, internal side (モデル事例の作成・承認): writing one from a closed case, JPO's list and review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from chizai.audit.models import AuditEntry
from chizai.cases import actions, model_cases
from chizai.cases.model_cases import Flag
from chizai.cases.models import IssueCategory, ModelCase, ModelCaseStatus, SupportCase
from chizai.kpis.actions import ConflictError
from chizai.organizations.forms import organization_filter
from chizai.organizations.models import Organization
from chizai.organizations.permissions import sees_everything
from chizai.organizations.types import AnyUser
from chizai.paging import paginate
from chizai.workflow import perform

CONFLICT_MESSAGE = (
    "保存できませんでした。この画面を開いた後に、他の利用者がこのモデル事例を更新しています。"
    "あなたの入力はこの画面に残っています。内容を確かめてから、もう一度「保存」を押してください"
    "（押すと、あなたの入力で上書きします）。"
)
ADMIN_LIST_ORDER = (
    ModelCaseStatus.SUBMITTED,
    ModelCaseStatus.APPROVED,
    ModelCaseStatus.PUBLISHED,
    ModelCaseStatus.DRAFT,
    ModelCaseStatus.WITHDRAWN,
)


# --- forms ----------------------------------------------------------------------------------------------------


class ModelCaseForm(forms.Form):
    """The texts to be published. Nothing here may identify the company: the check below flags what might."""

    title = forms.CharField(label="タイトル", max_length=200)
    summary = forms.CharField(
        label="概要（公開用）",
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="支援前の課題、支援の内容、成果を、企業名・人名・金額を出さずに記入します。",
    )
    industry = forms.CharField(label="業種（公開用）", max_length=100)
    region = forms.ModelChoiceField(
        label="地域（都道府県）", queryset=Organization.objects.prefectures(), empty_label=None
    )
    issue_categories = forms.MultipleChoiceField(
        label="課題の分類", choices=IssueCategory.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    @classmethod
    def initial_for(cls, model_case: ModelCase) -> dict[str, Any]:
        return {
            "title": model_case.title,
            "summary": model_case.summary,
            "industry": model_case.industry,
            "region": model_case.region_id,
            "issue_categories": model_case.issue_categories,
            "version": model_case.version,
        }


class ConsentForm(forms.Form):
    consent_date = forms.DateField(label="同意日", widget=forms.DateInput(attrs={"type": "date"}))
    consent_note = forms.CharField(
        label="同意の記録",
        max_length=200,
        required=False,
        help_text="同意の方法や書面の所在（例：公開同意書を受領、支援チームで保管）。",
    )


class WithdrawForm(forms.Form):
    comment = forms.CharField(label="理由", max_length=2000, required=False)


# --- highlighting the anonymisation flags ---------------------------------------------------------------------


def highlighted(text: str, flags: list[Flag]) -> SafeString:
    """The text, escaped, with each flagged span in <mark> and line breaks kept."""
    parts: list[str] = []
    position = 0
    for flag in flags:
        parts.append(escape(text[position : flag.start]))
        parts.append(f'<mark class="flag" title="{escape(flag.kind)}">{escape(text[flag.start : flag.end])}</mark>')
        position = flag.end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # every piece is escaped above


@dataclass(frozen=True)
class CheckedText:
    """One published text as the anonymisation check sees it."""

    label: str
    text: str
    flags: list[Flag]

    @property
    def marked(self) -> SafeString:
        return highlighted(self.text, self.flags)


def checked_texts(case: SupportCase, title: str, summary: str) -> list[CheckedText]:
    return [
        CheckedText(label, text, model_cases.anonymisation_flags(text, case))
        for label, text in (("タイトル", title), ("概要", summary))
    ]


# --- writing a model case (from the case) ------------------------------------------------------------------


def _case_for_writing(user: AnyUser, pk: int) -> SupportCase:
    from chizai.cases.access import get_case_for_user

    case = get_case_for_user(user, pk)
    if not model_cases.can_write(user, case):
        raise PermissionDenied("この案件のモデル事例を作成・編集できるのは支援チームの編集者・管理者です。")
    return case


def _edit_context(
    case: SupportCase, model_case: ModelCase, form: ModelCaseForm, consent_form: ConsentForm | None = None
) -> dict[str, Any]:
    if form.is_bound:
        title, summary = form.data.get("title", ""), form.data.get("summary", "")
    else:
        title, summary = model_case.title, model_case.summary
    texts = checked_texts(case, title, summary)
    initial = {"consent_date": model_case.consent_date, "consent_note": model_case.consent_note}
    return {
        "case": case,
        "model_case": model_case,
        "form": form,
        "consent_form": consent_form or ConsentForm(initial=initial),
        "texts": texts,
        "flag_count": sum(len(t.flags) for t in texts),
        "problems": model_cases.missing_for_submission(model_case),
    }


def _start(request: HttpRequest, case: SupportCase) -> HttpResponse:
    """No model case yet: offer to start one (POST creates it, prefilled from the case)."""
    if request.method == "POST":
        try:
            actions.create_model_case(case=case, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, "モデル事例の下書きを作成しました。公開用の概要を記入してください。")
            return redirect("cases:model_case_edit", case.pk)
    return render(request, "cases/model_case_start.html", {"case": case, "closed": case.stage == "closed"})


def _save(request: HttpRequest, case: SupportCase, model_case: ModelCase) -> HttpResponse:
    form = ModelCaseForm(request.POST)
    if not form.is_valid():
        return render(request, "cases/model_case_edit.html", _edit_context(case, model_case, form))
    data = form.cleaned_data
    try:
        saved = actions.save_model_case(
            model_case=model_case,
            title=data["title"],
            summary=data["summary"],
            industry=data["industry"],
            region=data["region"],
            issue_categories=data["issue_categories"],
            expected_version=data["version"],
            actor=request.user,
        )
    except ConflictError:
        stored = ModelCase.objects.select_related("region").get(pk=model_case.pk)
        posted = request.POST.copy()
        posted["version"] = str(stored.version)
        form = ModelCaseForm(posted)
        form.is_valid()
        form.add_error(None, CONFLICT_MESSAGE)
        return render(request, "cases/model_case_edit.html", _edit_context(case, stored, form))
    except ValidationError as error:  # e.g. submitted by someone else since the page was opened
        for message in error.messages:
            messages.error(request, message)
        return redirect("cases:model_case_review", model_case.pk)
    if "save_and_submit" in request.POST:
        return _submit(request, saved)
    messages.success(request, "保存しました。")
    return redirect("cases:model_case_edit", case.pk)


def _submit(request: HttpRequest, model_case: ModelCase) -> HttpResponse:
    try:
        model_cases.submit_model_case(model_case=model_case, actor=request.user)
    except ValidationError as error:
        messages.info(request, "入力内容は保存しましたが、まだ提出できません。")
        for message in error.messages:
            messages.error(request, message)
        return redirect("cases:model_case_edit", model_case.case_id)
    messages.success(request, SUBMITTED_MESSAGE)
    return redirect("cases:model_case_review", model_case.pk)


def _consent(request: HttpRequest, case: SupportCase, model_case: ModelCase) -> HttpResponse:
    consent_form = ConsentForm(request.POST)
    if not consent_form.is_valid():
        form = ModelCaseForm(initial=ModelCaseForm.initial_for(model_case))
        return render(request, "cases/model_case_edit.html", _edit_context(case, model_case, form, consent_form))
    actions.record_consent(
        model_case=model_case,
        consent_date=consent_form.cleaned_data["consent_date"],
        note=consent_form.cleaned_data["consent_note"],
        actor=request.user,
    )
    messages.success(request, "企業の公開同意を記録しました。")
    return redirect("cases:model_case_edit", case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def model_case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Create or edit the model case of the case `pk` (the support team's page)."""
    case = _case_for_writing(request.user, pk)
    model_case = ModelCase.objects.select_related("region").filter(case=case).first()
    if model_case is None:
        return _start(request, case)
    if model_case.status not in model_cases.EDITABLE_STATUSES:
        messages.info(request, f"このモデル事例は「{model_case.get_status_display()}」のため編集できません。")
        return redirect("cases:model_case_review", model_case.pk)
    if request.method == "POST":
        if "record_consent" in request.POST:
            return _consent(request, case, model_case)
        return _save(request, case, model_case)
    form = ModelCaseForm(initial=ModelCaseForm.initial_for(model_case))
    return render(request, "cases/model_case_edit.html", _edit_context(case, model_case, form))


# --- JPO's list and the review page ---------------------------------------------------------------------------


class ModelCaseFilterForm(forms.Form):
    """Filters of JPO's model case list: status, region, and a search in the title or the company's name."""

    q = forms.CharField(
        label="タイトル・企業名", required=False, max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    status = forms.ChoiceField(
        label="状態", required=False, choices=[("", "すべて"), *((s.value, s.label) for s in ADMIN_LIST_ORDER)]
    )
    region = organization_filter("地域（都道府県）", Organization.objects.prefectures())

    def filter(self, model_case_list: QuerySet[ModelCase]) -> QuerySet[ModelCase]:
        """The list narrowed by every valid filter (an invalid one is ignored)."""
        if self.is_bound:
            self.is_valid()
        values = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}
        if "status" in values:
            model_case_list = model_case_list.filter(status=values["status"])
        if "region" in values:
            model_case_list = model_case_list.filter(region=values["region"])
        if "q" in values:
            text = values["q"].strip()
            model_case_list = model_case_list.filter(Q(title__icontains=text) | Q(case__company__name__icontains=text))
        return model_case_list


def _status_rank() -> Case:
    return Case(*(When(status=status, then=Value(rank)) for rank, status in enumerate(ADMIN_LIST_ORDER)))


@login_required
def model_case_admin_list(request: HttpRequest) -> HttpResponse:
    """Every model case JPO sees, 承認待ち first, filtered and one page at a time."""
    if not sees_everything(request.user):
        raise PermissionDenied("モデル事例の一覧は特許庁の職員が利用します。")
    visible = model_cases.model_cases_visible_to(request.user)
    counted = dict(visible.order_by().values_list("status").annotate(n=Count("pk")))
    form = ModelCaseFilterForm(request.GET or None)
    found = form.filter(visible).select_related("region", "case__company")
    paged = paginate(request, found.order_by(_status_rank(), "-updated_at", "-pk"))
    context = {
        "form": form,
        "paged": paged,
        "filtered": bool(request.GET.get("q") or request.GET.get("status") or request.GET.get("region")),
        "counts": [(status.label, status.value, counted.get(status.value, 0)) for status in ADMIN_LIST_ORDER],
    }
    return render(request, "cases/model_case_admin_list.html", context)


SUBMITTED_MESSAGE = next(r.done for r in model_cases.MODEL_CASE_WORKFLOW.rules if r.action == "submit")


HISTORY_LABELS = {
    "cases.model_case.created": "作成",
    "cases.model_case.updated": "編集",
    "cases.model_case.consent_recorded": "公開同意の記録",
    "cases.model_case.submitted": "提出（承認依頼）",
    "cases.model_case.approved": "承認",
    "cases.model_case.published": "公開",
    "cases.model_case.withdrawn": "取下げ（公開停止）",
}


def _history(model_case: ModelCase) -> list[tuple[AuditEntry, str]]:
    entries = AuditEntry.objects.changes().filter(
        object_type=model_case._meta.label_lower, object_id=str(model_case.pk)
    )
    return [(entry, HISTORY_LABELS.get(entry.action, entry.action_label)) for entry in entries.order_by("pk")]


@login_required
def model_case_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The review page (GET). Its writes post to the edit page and to each step's own URL: a POST here is
    refused, with 403 for a user who may change nothing of the model case (before anything is read from it)."""
    model_case = model_cases.get_model_case_for_user(request.user, pk)
    if request.method not in ("GET", "HEAD"):
        steps = model_cases.MODEL_CASE_WORKFLOW.available(request.user, model_case)
        if not steps and not model_cases.can_edit(request.user, model_case):
            raise PermissionDenied("このモデル事例を変更する権限がありません（閲覧のみ）。")
        return HttpResponseNotAllowed(["GET"])
    texts = checked_texts(model_case.case, model_case.title, model_case.summary)
    context = {
        "model_case": model_case,
        "case": model_case.case,
        "texts": texts,
        "flag_count": sum(len(t.flags) for t in texts),
        "categories": model_cases.category_labels(model_case.issue_categories),
        "steps": model_cases.MODEL_CASE_WORKFLOW.available(request.user, model_case),
        "can_edit": model_cases.can_edit(request.user, model_case),
        "history": _history(model_case),
    }
    return render(request, "cases/model_case_review.html", context)


@login_required
@require_POST
def model_case_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in model_cases.MODEL_CASE_WORKFLOW.actions():
        raise Http404("この操作はありません。")
    model_case = model_cases.get_model_case_for_user(request.user, pk)
    form = WithdrawForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    perform(request, obj=model_case, action=action, comment=comment)
    return redirect("cases:model_case_review", model_case.pk)
