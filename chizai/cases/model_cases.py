"""Model cases (モデル事例): written from a closed case, checked for anonymity, approved by JPO, published.

The workflow: 作成中 → (consent recorded, no anonymisation flags) 承認待ち → (JPO) 承認済み → (JPO) 公開中;
公開停止 takes a submitted, approved or published model case back, to be corrected and submitted again.
Every write is one transactional, audited function in `chizai.cases.actions` (the workflow moves run
through `chizai.workflow.transition`). `search_published` and `similar_model_cases` read only
published model cases.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from chizai.cases.models import IssueCategory, ModelCase, ModelCaseStatus, SupportCase
from chizai.lib.textsim import normalize, rank
from chizai.organizations.permissions import is_jpo_reviewer
from chizai.organizations.types import Actor, AnyUser
from chizai.workflow import Rule, Workflow, register, transition

EDITABLE_STATUSES = (ModelCaseStatus.DRAFT, ModelCaseStatus.WITHDRAWN)
WITHDRAWABLE_STATUSES = (ModelCaseStatus.SUBMITTED, ModelCaseStatus.APPROVED, ModelCaseStatus.PUBLISHED)

# --- the anonymisation check (匿名化チェック) -------------------------------------------------------------


class FlagKind:
    COMPANY = "企業名"
    PERSON = "人名"
    AMOUNT = "金額"


@dataclass(frozen=True)
class Flag:
    """A piece of text that may identify the company: its words, what it looks like, and where it is."""

    text: str
    kind: str
    start: int
    end: int


_LEGAL_FORMS = re.compile(r"株式会社|有限会社|合同会社|合資会社|合名会社|\((?:株|有)\)")
_KANJI = r"[\u4e00-\u9fff々〆ヶ]"
_KATAKANA = r"[\u30a1-\u30fa\u30fc・]"
_HONORIFIC = r"氏(?!名)|様(?![々式子態相])|さん|社長|代表(?!取締役)|部長|課長"
_PERSON_PATTERNS = (
    re.compile(rf"代表取締役(?:社長|会長)?(?P<name>{_KANJI}{{2,6}}|{_KATAKANA}{{2,15}})"),
    re.compile(rf"(?P<name>{_KANJI}{{2,8}})(?:{_HONORIFIC})"),
    re.compile(rf"(?P<name>{_KATAKANA}{{2,15}})(?:氏(?!名)|様(?!々)|さん|社長|代表(?!取締役))"),
    re.compile(r"(?<![a-z])(?P<name>[a-z][a-z.]{1,30})(?:氏(?!名)|様|さん)"),
)
# Words before 社長・部長… that are titles, departments or companies, not people (営業部長, 同社社長).
_NOT_NAMES = re.compile(
    "代表|取締|社長|会長|部長|課長|専務|常務|執行|役員|担当|同社|当社|弊社|貴社|御社|各社|会社|企業|営業|技術|開発|"
    "総務|経理|製造|企画|人事|財務|広報|知財|法務|品質|管理|事業|販売|研究|生産|海外|工場|支店|本部|部門|推進|戦略|"
    "設計|購買|調達|業務|情報|経営|支援|専門|創業|代目|女性|若手|現在|当時|前任|後任|社員|本社|地域|自治|県庁|市役|"
    "マーケティング|サービス|デザイン|システム|ブランド|プロジェクト|チーム|グループ|センター"
)
_NOT_NAME_ENDINGS = ("仕", "同", "多", "模", "異", "一", "有", "各", "皆", "王")
_AMOUNT = re.compile(r"(?:(?:\d[\d,]*(?:\.\d+)?|[〇一二三四五六七八九十百千]+)[兆億万千]?)+円")


def _normalized_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """NFKC, lower-cased, without spaces; with each normalised character's start and end in `text`.

    A half-width katakana and its following ﾞ/ﾟ are normalised together (ﾌﾞ → ブ).
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        if j < len(text) and text[j] in "\uff9e\uff9f":
            j += 1
        for ch in unicodedata.normalize("NFKC", text[i:j]).lower():
            if not ch.isspace():
                chars.append(ch)
                starts.append(i)
                ends.append(j)
        i = j
    return "".join(chars), starts, ends


def _company_names(company_name: str) -> list[str]:
    """The company's name as it may appear: in full, and without 株式会社・有限会社・（株）…"""
    full = _normalized_with_offsets(company_name)[0]
    core = _LEGAL_FORMS.sub("", full)
    names = [full, core] if len(core) >= 2 else [full]
    return sorted({name for name in names if name}, key=len, reverse=True)


def _name_offset(word: str) -> int | None:
    """Where a person's name starts in the word before an honorific (同社山田 → 2), or None if it is no name."""
    titles = list(_NOT_NAMES.finditer(word))
    offset = titles[-1].end() if titles else 0
    name = word[offset:]
    if len(name) < 2 or name.endswith(_NOT_NAME_ENDINGS):
        return None
    return offset


def _spans(normalized: str, company_name: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for name in _company_names(company_name):
        spans += [(m.start(), m.end(), FlagKind.COMPANY) for m in re.finditer(re.escape(name), normalized)]
    for pattern in _PERSON_PATTERNS:
        for match in pattern.finditer(normalized):
            offset = _name_offset(match.group("name"))
            if offset is not None:
                spans.append((match.start("name") + offset, match.end("name"), FlagKind.PERSON))
    spans += [(m.start(), m.end(), FlagKind.AMOUNT) for m in _AMOUNT.finditer(normalized)]
    return spans


def anonymisation_flags(text: str, case: SupportCase) -> list[Flag]:
    """What in `text` may identify the company: its name, people's names and amounts of money, in text order.

    Matching is on the NFKC form (full-width digits, ㈱, half-width katakana all count); positions refer to
    `text` as given, so the spans can be highlighted. Overlapping findings are reported once (company first).
    """
    normalized, starts, ends = _normalized_with_offsets(text or "")
    flags: list[Flag] = []
    taken: list[tuple[int, int]] = []
    for start, end, kind in _spans(normalized, case.company.name):
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        first, last = starts[start], ends[end - 1]
        flags.append(Flag(text=text[first:last], kind=kind, start=first, end=last))
    return sorted(flags, key=lambda flag: flag.start)


def model_case_flags(model_case: ModelCase) -> dict[str, list[Flag]]:
    """The flags of the published texts, by field label (タイトル, 概要)."""
    return {
        "タイトル": anonymisation_flags(model_case.title, model_case.case),
        "概要": anonymisation_flags(model_case.summary, model_case.case),
    }


def flag_messages(model_case: ModelCase) -> list[str]:
    """One Japanese sentence per unresolved flag, for the refusal of submission or publication."""
    return [
        f"{field}の「{flag.text}」は{flag.kind}の可能性があります。伏せるか一般的な表現に書き換えてください。"
        for field, flags in model_case_flags(model_case).items()
        for flag in flags
    ]


# --- who may do what ---------------------------------------------------------------------------------------


def can_write(user: AnyUser, case: SupportCase) -> bool:
    """The support team: editors and administrators (of JPO or of the case's team) who see the case in full."""
    from chizai.cases.access import can_write_case, case_access

    return case_access(user, case) == "full" and can_write_case(user, case)


def _writes(user: AnyUser, model_case: ModelCase) -> bool:
    return can_write(user, model_case.case)


def _approves(user: AnyUser, model_case: ModelCase) -> bool:
    return is_jpo_reviewer(user)


def _withdraws(user: AnyUser, model_case: ModelCase) -> bool:
    """JPO's reviewers, and the support team (e.g. when the company takes its consent back)."""
    return is_jpo_reviewer(user) or can_write(user, model_case.case)


def can_submit(user: AnyUser, model_case: ModelCase) -> bool:
    return MODEL_CASE_WORKFLOW.allows(user, model_case, "submit")


def can_approve(user: AnyUser, model_case: ModelCase) -> bool:
    return MODEL_CASE_WORKFLOW.allows(user, model_case, "approve")


def can_publish(user: AnyUser, model_case: ModelCase) -> bool:
    return MODEL_CASE_WORKFLOW.allows(user, model_case, "publish")


def can_withdraw(user: AnyUser, model_case: ModelCase) -> bool:
    return MODEL_CASE_WORKFLOW.allows(user, model_case, "withdraw")


def can_edit(user: AnyUser, model_case: ModelCase) -> bool:
    """Change the texts or record consent: the support team, while the model case is being written."""
    return model_case.status in EDITABLE_STATUSES and can_write(user, model_case.case)


def model_cases_visible_to(user: AnyUser) -> QuerySet[ModelCase]:
    """Model cases of the cases the user sees in full (the support team, JPO), in any status."""
    return ModelCase.objects.filter(case__in=SupportCase.objects.fully_visible_to(user))


def get_model_case_for_user(user: AnyUser, pk: int, *, write: bool = False) -> ModelCase:
    """The model case (internal side) if the user sees its case in full (404 otherwise); with `write`, 403 unless
    the user is on its support team."""
    model_case = (
        model_cases_visible_to(user)
        .select_related("case", "case__company", "case__support_team", "region", "approved_by")
        .filter(pk=pk)
        .first()
    )
    if model_case is None:
        raise Http404("モデル事例が見つかりません。")
    if write and not can_write(user, model_case.case):
        raise PermissionDenied("このモデル事例を編集できるのは支援チームの編集者・管理者です。")
    return model_case


# --- the model case as the audit records it -------------------------------------------------------------------


def snapshot(model_case: ModelCase) -> dict[str, Any]:
    return {
        "title": model_case.title,
        "summary": model_case.summary,
        "industry": model_case.industry,
        "region": model_case.region.name if model_case.region_id else None,
        "issue_categories": list(model_case.issue_categories),
        "consent_recorded": model_case.consent_recorded,
        "consent_date": model_case.consent_date,
        "consent_note": model_case.consent_note,
        "status": model_case.status,
    }


def category_labels(values: list[str]) -> list[str]:
    return [str(IssueCategory(value).label) for value in values if value in IssueCategory.values]


def case_categories(case: SupportCase) -> list[str]:
    """The categories of the case's extracted issues, in the order of IssueCategory, each once."""
    found = set(case.issues.values_list("category", flat=True))
    return [value for value in IssueCategory.values if value in found]


def default_title(case: SupportCase) -> str:
    """A first title that names no one: 「東京都・製造業：海外展開・ブランディングの取組」."""
    labels = "・".join(category_labels(case_categories(case))) or "知財"
    return f"{case.company.prefecture.name}・{case.company.industry}：{labels}の取組"[:200]


def missing_for_submission(model_case: ModelCase) -> list[str]:
    """Why the model case cannot be submitted yet, in Japanese; empty when it can."""
    problems = []
    if not model_case.title.strip():
        problems.append("タイトルを記入してください。")
    if not model_case.summary.strip():
        problems.append("概要（公開用）を記入してください。")
    if not model_case.consent_recorded:
        problems.append("企業の公開同意を記録してください。")
    return problems + flag_messages(model_case)


def build_search_text(model_case: ModelCase) -> str:
    """What the public search looks in: the published texts and labels, normalised like the query."""
    labels = category_labels(model_case.issue_categories)
    parts = [model_case.title, model_case.summary, model_case.industry, model_case.region.name, *labels]
    return normalize(" ".join(parts))


# --- the workflow: one table, run by chizai.workflow.transition() --------------------------------------------------


def _submission_problems(model_case: ModelCase, today: datetime.date) -> list[str]:
    return missing_for_submission(model_case)


def _publication_problems(model_case: ModelCase, today: datetime.date) -> list[str]:
    return flag_messages(model_case)  # the company's name may have changed since the submission


def _approval(model_case: ModelCase, actor: Actor, now: datetime.datetime) -> dict[str, Any]:
    return {"approved_by": actor, "approved_at": now}


def _publication(model_case: ModelCase, actor: Actor, now: datetime.datetime) -> dict[str, Any]:
    return {"published_at": now, "search_text": build_search_text(model_case)}


MODEL_CASE_WORKFLOW = register(
    Workflow(
        model=ModelCase,
        labels=dict(ModelCaseStatus.choices),
        snapshot=snapshot,
        rules=(
            Rule(
                "submit",
                EDITABLE_STATUSES,
                ModelCaseStatus.SUBMITTED,
                _writes,
                button="承認を依頼する（提出）",
                done="提出しました。特許庁の承認を待っています。",
                refused="このモデル事例は提出できません。",
                audit_action="cases.model_case.submitted",
                check=_submission_problems,
            ),
            Rule(
                "approve",
                (ModelCaseStatus.SUBMITTED,),
                ModelCaseStatus.APPROVED,
                _approves,
                button="承認する",
                done="承認しました。「公開する」で公開ページに掲載されます。",
                refused="モデル事例を承認できるのは特許庁の審査者・管理者です。",
                audit_action="cases.model_case.approved",
                stamp=_approval,
            ),
            Rule(
                "publish",
                (ModelCaseStatus.APPROVED,),
                ModelCaseStatus.PUBLISHED,
                _approves,
                button="公開する",
                done="公開しました。ログイン不要の公開ページとAtomフィードに掲載されています。",
                refused="モデル事例を公開できるのは特許庁の審査者・管理者です。",
                audit_action="cases.model_case.published",
                check=_publication_problems,
                stamp=_publication,
            ),
            Rule(
                "withdraw",
                WITHDRAWABLE_STATUSES,
                ModelCaseStatus.WITHDRAWN,
                _withdraws,
                button="取り下げる（公開停止）",
                done="取り下げました。公開ページには表示されません。修正して再度提出できます。",
                refused="このモデル事例を取り下げる権限がありません。",
                audit_action="cases.model_case.withdrawn",
                comment_label="理由（任意）",
            ),
        ),
    )
)


def submit_model_case(*, model_case: ModelCase, actor: Actor) -> ModelCase:
    moved: ModelCase = transition(obj=model_case, action="submit", actor=actor)
    return moved


def approve_model_case(*, model_case: ModelCase, actor: Actor) -> ModelCase:
    moved: ModelCase = transition(obj=model_case, action="approve", actor=actor)
    return moved


def publish_model_case(*, model_case: ModelCase, actor: Actor) -> ModelCase:
    moved: ModelCase = transition(obj=model_case, action="publish", actor=actor)
    return moved


def withdraw_model_case(*, model_case: ModelCase, actor: Actor, reason: str = "") -> ModelCase:
    """Take the model case back (公開停止): off the public pages, editable again."""
    moved: ModelCase = transition(obj=model_case, action="withdraw", actor=actor, comment=reason)
    return moved


# --- reading published model cases ------------------------------------------------------------------------


def published() -> QuerySet[ModelCase]:
    """The only model cases the public ever sees."""
    return ModelCase.objects.filter(status=ModelCaseStatus.PUBLISHED).select_related("region", "case")


def _bigrams(term: str) -> set[str]:
    return {term[i : i + 2] for i in range(len(term) - 1)} or {term}


def _terms(query: str) -> list[str]:
    return [term for term in (normalize(raw) for raw in query.split()) if term]


def matching_published(
    query: str = "", industry: str | None = None, region: str | None = None, category: str | None = None
) -> QuerySet[ModelCase]:
    """Published model cases with every term of the query and the filters, newest first (the database does it)."""
    results = published()
    for term in _terms(query):
        results = results.filter(search_text__icontains=term)
    if industry:
        results = results.filter(industry=industry)
    if region:
        results = results.filter(region__code=region)
    if category:
        # The JSON list as text holds each category quoted; the exact match below drops a longer code containing it.
        results = results.filter(issue_categories__icontains=f'"{category}"')
    return results.order_by("-published_at", "-pk")


def search_published(
    query: str = "", industry: str | None = None, region: str | None = None, category: str | None = None
) -> list[ModelCase]:
    """Published model cases matching every space-separated term of the query (after NFKC), and the filters.

    `region` is a prefecture's code (pref-13), `category` an IssueCategory value. The best matches come first:
    those sharing the most bigrams with the query, then the newest.
    """
    terms = _terms(query)
    results = matching_published(query, industry, region, category)
    found = [mc for mc in results if not category or category in mc.issue_categories]
    if terms:
        wanted = set().union(*(_bigrams(term) for term in terms))
        found.sort(key=lambda mc: -sum(1 for gram in wanted if gram in mc.search_text))  # stable: newest first
    return found


def _document(model_case: ModelCase) -> str:
    return " ".join([model_case.title, model_case.summary, *category_labels(model_case.issue_categories)])


def _case_text(case: SupportCase) -> str:
    issues = [f"{issue.get_category_display()} {issue.description}" for issue in case.issues.all()]
    return " ".join([*issues, case.hearing_notes])


def similar_model_cases(case: SupportCase, limit: int = 5) -> list[tuple[ModelCase, float]]:
    """The published model cases most similar to the case's extracted issues and hearing notes, best first."""
    candidates = list(published().exclude(case=case))
    ranked = rank(_case_text(case), [_document(mc) for mc in candidates], limit=limit)
    return [(candidates[index], score) for index, score in ranked]
