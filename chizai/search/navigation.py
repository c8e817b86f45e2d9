"""The site's navigation, one table for the menu and the breadcrumbs, and the badges beside it.

Every page function of the app is reachable from here (chizai/search/tests/test_navigation.py checks it
against the urlconf). Badges count returned evaluations, evaluations waiting for the user's review and
recent notices in a constant number of queries, whatever the user's roles.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from chizai.audit.generation import kept
from chizai.kpis.models import Notice, Plan
from chizai.organizations.permissions import is_jpo_reviewer
from chizai.organizations.types import AnyUser
from chizai.pdca import rules
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status

NOTICE_DAYS = 30
PERIOD_LOOKAHEAD_DAYS = 200  # the 取りまとめ link opens the period being reported on (due within ~6 months)


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    badge: str = ""  # "todo" | "notices"
    needs: str = ""  # "plan" | "period" | "staff": shown only when that exists / applies
    # Other routes whose pages sit under this link in the breadcrumbs.
    children: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    label: str
    links: tuple[Link, ...]


MENU = (
    Group(
        "ホーム",
        (
            Link(
                "全国ダッシュボード",
                "kpis:dashboard",
                children=(
                    "kpis:plan_dashboard",
                    "kpis:kpi_detail",
                    "kpis:actual_edit",
                    "cases:kpi_drill",
                    "surveys:kpi_answers",
                ),
            ),
            Link("やること", "pdca:todo", badge="todo"),
            Link("お知らせ", "kpis:notice_list", badge="notices"),
            Link("検索", "search:results"),
        ),
    ),
    Group(
        "KPI・PDCA",
        (
            Link(
                "自己評価",
                "pdca:evaluation_list",
                children=("pdca:evaluation_detail", "pdca:evaluation_edit", "kpis:evaluation_edit"),
            ),
            Link("KPIの一覧", "kpis:kpi_list"),
            Link("実績の一括入力", "kpis:grid_start", children=("kpis:organization_grid",)),
            Link("都道府県の比較", "pdca:comparison", children=("pdca:comparison_remind",)),
            Link("取りまとめ", "pdca:compilation", needs="period", children=("reports:document_job",)),
            Link("計画期間の評価", "pdca:final_evaluation", needs="plan"),
            Link("全体報告", "kpis:plan_report", needs="plan"),
            Link("KPIの見直し", "kpis:revision_list", children=("kpis:revision_detail", "kpis:revision_propose")),
            Link("関係主体", "kpis:organization_list", children=("kpis:organization_detail",)),
        ),
    ),
    Group(
        "ハンズオン支援",
        (
            Link("支援案件", "cases:case_list", children=("cases:case_detail", "cases:case_edit", "cases:case_create")),
            Link("期限超過の案件", "cases:case_overdue"),
            Link("企業", "cases:company_list", children=("cases:company_detail", "cases:company_create")),
            Link("紹介ネットワーク", "cases:network"),
            Link(
                "モデル事例の管理",
                "cases:model_case_admin_list",
                children=("cases:model_case_review", "cases:model_case_edit", "cases:model_case_start"),
            ),
            Link("公開モデル事例サイト", "public:model_case_list"),
            Link(
                "アンケート",
                "surveys:questionnaire_list",
                children=(
                    "surveys:results",
                    "surveys:case_surveys",
                    "surveys:free_texts",
                    "surveys:questionnaire_create",
                    "surveys:questionnaire_edit",
                    "surveys:municipal_status",
                ),
            ),
            Link("地域別の分析", "surveys:analysis_index", children=("surveys:analysis_region",)),
        ),
    ),
    Group(
        "会議",
        (
            Link(
                "地域連絡会議",
                "meetings:meeting_list",
                children=("meetings:meeting_detail", "meetings:meeting_edit", "meetings:meeting_create"),
            ),
        ),
    ),
    Group(
        "データ連携",
        (
            Link("Excel・CSVの取込", "exchange:import_list", children=("exchange:import_detail",)),
            Link("API連携（トークン）", "api:token"),
            Link("APIの説明書", "api:docs"),
            Link("操作履歴（監査ログ）", "audit:entry_list", needs="staff"),
            Link("管理画面", "admin:index", needs="staff"),
        ),
    ),
    Group(
        "アカウント",
        (
            Link("アカウント・二要素認証", "accounts:account"),
            Link("利用者の管理", "accounts:member_index", children=("accounts:member_list",)),
            Link("使い方（操作説明）", "search:help"),
        ),
    ),
)


# 操作説明: one or two sentences per main screen, shown under the breadcrumbs (see also /help/).
HELP_TEXTS = {
    "kpis:dashboard": "KPIの名前を選ぶと目標・実績の詳細へ、関係主体の名前を選ぶとその組織のKPIへ移動します。"
    "上部の検索欄からKPI・関係主体・企業（名称・法人番号）を探せます。",
    "kpis:plan_dashboard": "計画を切り替えると、その計画のKPIの達成状況を表示します。",
    "kpis:kpi_detail": "年度・半期ごとの目標と実績です。「実績を入力」で値を入力し、履歴で変更の経緯を確認できます。",
    "kpis:kpi_list": "閲覧できるKPIを、関係主体・地域ブロック・区分・状況（達成・未達・進行中）・指標名で絞り込めます。"
    "状況は選んだ年度の結果です。",
    "kpis:organization_list": "関係主体の名前を選ぶと、その組織のKPIと自己評価を表示します。",
    "kpis:organization_detail": "この組織のKPIの達成状況です。Excel・CSVでの出力もここから行えます。",
    "kpis:revision_list": "KPIの見直しの提案と、その報告状況の一覧です。見直しはKPIの画面から提案します。",
    "kpis:notice_list": "特許庁からのお知らせです（新しい順）。30日以内のお知らせはメニューに件数を表示します。",
    "pdca:todo": "各行の「入力する」「修正する」「局確認する」から、そのまま入力画面・確認画面へ進めます。"
    "差し戻された自己評価はコメントを読んで修正し、再提出してください。",
    "pdca:evaluation_list": "報告期間を選ぶと、その半期の自己評価の状況を表示します。"
    "行を選ぶと自己評価の画面へ進みます。",
    "pdca:evaluation_detail": "KPIの達成状況と取組の状況を読んだうえで、画面下の「"
    "手続き」から提出・局確認・受理・差戻しを行います。",
    "pdca:evaluation_edit": "途中で保存できます。提出の前に、誤りのある項目（赤字）を直してください。",
    "pdca:compilation": "管内（特許庁は全国）の自己評価を並べて表示します。印刷すると会議資料になります。",
    "pdca:final_evaluation": "計画期間を通したKPIごとの結果です。",
    "cases:case_list": "支援案件の一覧です。新しい案件は一覧の上のボタンから登録します（編集者）。"
    "行を選ぶと案件の記録へ進みます。",
    "cases:case_detail": "案件の段階・記録・課題・専門家派遣です。段階は「手続き」から進めます。",
    "cases:case_overdue": "現在の段階の期限を過ぎた案件です（期限を過ぎた日数の長い順）。",
    "cases:company_list": "登録した企業の一覧です。名称または法人番号で絞り込めます。",
    "cases:network": "どの関係主体がどの支援チームに企業を紹介したかの件数です。企業名は表示しません。",
    "cases:model_case_admin_list": "モデル事例の作成・審査・公開の状況です。公開したものは公開サイトに載ります。",
    "surveys:questionnaire_list": "支援企業のフォローアップ調査と自治体アンケートの調査票、回答率です。",
    "surveys:results": "設問ごとの回答の割合（n）です。内訳でブロック・業種・企業規模・きっかけ別に分けられます。",
    "surveys:analysis_index": "ブロック・都道府県を選ぶと、その地域の支援の分析（件数と割合）を表示します。",
    "audit:entry_list": "誰が・いつ・何を変更し、会社情報を閲覧・出力したかの記録です。期間や利用者で絞り込めます。",
    "meetings:meeting_list": "地域連絡会議の一覧です。会議を選ぶと議題・出席者・議事録・決定事項を表示します。",
    "meetings:meeting_detail": "議題に沿って各関係主体のKPIを確認し、議事録と決定事項を記録します。",
    "exchange:import_list": "Excel・CSVのファイルを選んで取り込みます。"
    "取り込む前に全行を確認し、誤りは行番号つきで表示します。",
    "api:token": "他のシステムからAPIを使うためのトークンを発行します。"
    "APIの説明書はメニューの「データ連携」にあります。",
    "search:results": "名称の一部や法人番号で探します。結果の名前を選ぶと、その画面へ移動します。",
    "search:help": "自分の役割の使い方が先頭に表示されます。各画面の上部にも、その画面の操作説明があります。",
    "kpis:grid_start": "関係主体と年度を選ぶと、その年度のKPIの実績を表の形でまとめて入力できます。",
    "kpis:organization_grid": "セルに実績を入力して「保存」します。矢印キーでセルを移動でき、"
    "誤りのあるセルは赤い枠で示します。",
    "kpis:plan_report": "計画全体のKPIの達成状況をまとめた報告です。印刷・ダウンロードして資料にできます。",
    "pdca:comparison": "見出しを選ぶと並べ替えます。提出期限を過ぎた団体には、この画面から督促できます（特許庁・局）。",
    "accounts:account": "パスワードの変更と二要素認証（認証アプリ・リカバリーコード）の設定を行います。",
    "accounts:member_index": "利用者を管理する組織を選びます（組織の管理者のみ）。",
    "accounts:member_list": "この組織の利用者の一覧です。新しい利用者は、下のフォームから招待メールで登録します。",
}


@dataclass(frozen=True)
class Badges:
    returned: int = 0
    pending: int = 0
    notices: int = 0
    # The one returned / waiting evaluation, when there is exactly one: the notice links straight to its form.
    returned_pk: int | None = None
    pending_pk: int | None = None

    @property
    def todo(self) -> int:
        return self.returned + self.pending


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """COUNT(*) of a queryset as a scalar subquery (0 when it has no rows)."""
    counted = queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def _first_pk(queryset: QuerySet[Any]) -> Subquery:
    return Subquery(queryset.order_by("pk").values("pk")[:1])


def _waiting_for(user: AnyUser) -> Q:
    waiting = Q(pk__in=[])
    if is_jpo_reviewer(user):
        waiting |= Q(status=Status.REVIEWED) | Q(status=Status.SUBMITTED, organization__bureau__isnull=True)
    bureaus = [b.pk for b in rules.reviewed_bureaus(user)]
    if bureaus:
        waiting |= Q(status=Status.SUBMITTED, organization__bureau_id__in=bureaus)
    return waiting


def _current(user: AnyUser, today: datetime.date) -> tuple[Plan | None, int | None, Badges]:
    """The newest plan, its latest reporting period (for the 取りまとめ link) and the badges, in one query.

    Badges: evaluations returned to the user's bodies, those waiting for the user's review, notices of 30 days.
    With no plan at all (a fresh installation) there is nothing to count.
    """
    evaluations = SelfEvaluation.objects.visible_to(user)
    edited = [o.pk for o in rules.edited_organizations(user)]
    since = timezone.now() - datetime.timedelta(days=NOTICE_DAYS)
    returned = evaluations.filter(status=Status.RETURNED, organization_id__in=edited)
    pending = evaluations.filter(_waiting_for(user))
    periods = ReportingPeriod.objects.filter(
        plan=OuterRef("pk"), due_date__lte=today + datetime.timedelta(days=PERIOD_LOOKAHEAD_DAYS)
    )
    plan = (
        Plan.objects.order_by("-number")
        .annotate(
            nav_period=Subquery(periods.order_by("-due_date").values("pk")[:1]),
            nav_returned=_count(returned),
            nav_returned_pk=_first_pk(returned),
            nav_pending=_count(pending),
            nav_pending_pk=_first_pk(pending),
            nav_notices=_count(Notice.objects.filter(published_at__gte=since)),
        )
        .first()
    )
    if plan is None:
        return None, None, Badges()
    badges = Badges(
        returned=plan.nav_returned,  # type: ignore[attr-defined]
        pending=plan.nav_pending,  # type: ignore[attr-defined]
        notices=plan.nav_notices,  # type: ignore[attr-defined]
        returned_pk=plan.nav_returned_pk if plan.nav_returned == 1 else None,  # type: ignore[attr-defined]
        pending_pk=plan.nav_pending_pk if plan.nav_pending == 1 else None,  # type: ignore[attr-defined]
    )
    return plan, plan.nav_period, badges  # type: ignore[attr-defined]


def _kept_current(request: HttpRequest) -> tuple[Plan | None, int | None, Badges]:
    """`_current`, kept under the data's generation, the day and the user (every change that moves a badge, a
    plan or a period is audited, so a kept answer is never stale)."""
    today = timezone.localdate()
    return kept(request, "nav", lambda: _current(request.user, today), today.isoformat(), request.user.pk)


def _arguments(link: Link, plan: Plan | None, period: int | None) -> list[Any] | None:
    if link.needs == "plan":
        return [plan.number] if plan else None
    if link.needs == "period":
        return [period] if period else None
    return []


def menu(user: AnyUser, current: str, plan: Plan | None, period: int | None) -> list[dict[str, Any]]:
    """The menu's groups with each link's address and whether it is the current page (or its section)."""
    groups = []
    for group in MENU:
        links = []
        for link in group.links:
            arguments = _arguments(link, plan, period)
            if arguments is None or (link.needs == "staff" and not getattr(user, "is_staff", False)):
                continue
            try:
                url = reverse(link.url_name, args=arguments)
            except NoReverseMatch:
                continue
            current_page = current == link.url_name
            links.append({"link": link, "url": url, "current": current_page, "section": current in link.children})
        groups.append({"label": group.label, "links": links})
    return groups


def breadcrumbs(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ホーム › group › the menu page the current page belongs to (the current page itself last, unlinked)."""
    for group in groups:
        for item in group["links"]:
            if item["current"] or item["section"]:
                trail = [{"label": "ホーム", "url": groups[0]["links"][0]["url"]}]
                if group["label"] != "ホーム":
                    trail.append({"label": group["label"], "url": ""})
                trail.append({"label": item["link"].label, "url": "" if item["current"] else item["url"]})
                return trail
    return []


def _navigation(request: HttpRequest) -> dict[str, Any]:
    match = request.resolver_match
    current = match.view_name if match else ""
    plan, period, badges = _kept_current(request)
    groups = menu(request.user, current, plan, period)
    return {
        "groups": groups,
        "breadcrumbs": breadcrumbs(groups),
        "badges": badges,
        "help": HELP_TEXTS.get(current, ""),
    }


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `nav` (menu, breadcrumbs, badges) for signed-in pages, read only when a page shows it
    (an htmx fragment or a JSON response costs no query)."""
    if not request.user.is_authenticated:
        return {}
    return {"nav": SimpleLazyObject(lambda: _navigation(request))}
