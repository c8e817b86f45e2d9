"""The route registry of the URL-walking contract test: for every named route of ours, how to build its
arguments for each side's object, which methods it takes and who counts as an outsider.

A route the urlconf has and this registry lacks fails the contract test: add an entry when you add a route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from chizai.tests.world import Side, World

Kwargs = Callable[[World, Side], dict[str, Any]]

TOKYO_SIDE_USERS = ("jpo_admin", "jpo_viewer", "kanto_reviewer", "tokyo_editor", "tokyo_viewer", "kanagawa_editor")
# Members of the cast who hold no role in a side's body or its regional block.
OUTSIDERS = {
    "tokyo": ("osaka_editor", "kinki_reviewer", "kanagawa_editor", "inpit_editor", "tokyo_window_editor"),
    "osaka": (
        "tokyo_editor",
        "tokyo_viewer",
        "kanagawa_editor",
        "kanto_reviewer",
        "inpit_editor",
        "tokyo_window_editor",
    ),
}
BLOCK_OUTSIDERS = {  # a regional block's things (meetings) are shared by every body in the block
    "tokyo": ("osaka_editor", "kinki_reviewer"),
    "osaka": ("tokyo_editor", "tokyo_viewer", "kanagawa_editor", "kanto_reviewer", "tokyo_window_editor"),
}  # INPIT attends every block's meeting
NON_JPO = tuple(u for u in (*OUTSIDERS["osaka"], "osaka_editor", "kinki_reviewer") if not u.startswith("jpo_"))
NO_OUTSIDERS: dict[str, tuple[str, ...]] = {"tokyo": (), "osaka": ()}
JPO_ONLY = {"tokyo": NON_JPO, "osaka": NON_JPO}


@dataclass(frozen=True)
class Route:
    kwargs: Kwargs = lambda world, side: {}  # noqa: E731
    methods: tuple[str, ...] = ("GET",)
    # Who must get 404 for each side's object; empty when the route shows nothing owned by a side.
    outsiders: dict[str, tuple[str, ...]] | None = None
    kind: str = "page"  # page (login required) | api (token or session) | public | auth
    post: Callable[[World, Side], dict[str, Any]] = lambda world, side: {}  # noqa: E731
    query: str = ""
    own_data: bool = False  # the POST changes the user's own things (an API token), not plan data: viewers may

    @property
    def scoped(self) -> bool:
        return bool(self.outsiders and any(self.outsiders.values()))


def plan(world: World, side: Side) -> dict[str, Any]:
    return {"number": world.plan.number}


def obj(name: str, key: str = "pk") -> Kwargs:
    return lambda world, side: {key: getattr(side, name).pk}


def token(name: str) -> Kwargs:
    return lambda world, side: {"token": getattr(side, name).token}


def with_(base: Kwargs, **extra: Any) -> Kwargs:
    return lambda world, side: {**base(world, side), **extra}


SIDED = OUTSIDERS

# allauth's pages without arguments (sign-in, password change and reset, second factor).
AUTH_PAGES = (
    "account_login",
    "account_logout",
    "account_inactive",
    "account_signup",
    "account_reauthenticate",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "account_email",
    "account_email_verification_sent",
    "account_change_password",
    "account_set_password",
    "account_reset_password",
    "account_confirm_login_code",
    "account_reset_password_from_key_done",
    "account_reset_password_done",
    "mfa_index",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "mfa_reauthenticate_webauthn",
)


def member(world: World, side: Side) -> dict[str, Any]:
    """A user of the side's body (its first membership), for the member pages."""
    from chizai.organizations.models import Membership

    membership = Membership.objects.filter(organization__code=side.code).order_by("pk").first()
    assert membership is not None, side.code
    return {"code": side.code, "pk": membership.user_id}


NO_RESULT_BODIES = ("inpit_editor", "tokyo_window_editor")  # neither a bureau nor a prefecture
NO_RESULTS = {"tokyo": NO_RESULT_BODIES, "osaka": NO_RESULT_BODIES}


def _questionnaire(world: World, side: Side) -> dict[str, Any]:
    return {"pk": side.survey_invitation.questionnaire_id}


def _municipal_invitation(side: Side) -> Any:
    """The demo municipality survey's invitation of the side's prefecture."""
    from chizai.surveys.models import Invitation

    return Invitation.objects.get(questionnaire__code="demo-municipal", organization__code=side.code)


def _design(edit: bool = False) -> dict[str, Any]:
    form = (
        {"title": "契約テストの調査票"} if edit else {"code": "contract", "title": "契約テスト", "audience": "company"}
    )
    total = {"q-TOTAL_FORMS": "1", "q-INITIAL_FORMS": "1" if edit else "0", "q-MIN_NUM_FORMS": "0"}
    return {**form, **total, "q-MAX_NUM_FORMS": "100", "q-0-key": "q1", "q-0-text": "満足度", "q-0-kind": "scale"}


ROUTES: dict[str, Route] = {
    "login": Route(kind="auth"),
    "logout": Route(kind="auth", methods=("POST",)),
    "healthz": Route(kind="public"),  # load balancers and monitoring: no login, no details
    # --- Sign-in (django-allauth, chizai/accounts): answered without a server error for everyone ------------
    **{name: Route(kind="auth") for name in AUTH_PAGES},
    "account_reset_password_from_key": Route(lambda w, s: {"uidb36": "1", "key": "x-y"}, kind="auth"),
    "account_confirm_email": Route(lambda w, s: {"key": "x"}, kind="auth"),
    "mfa_remove_webauthn": Route(lambda w, s: {"pk": 1}, kind="auth"),
    "mfa_edit_webauthn": Route(lambda w, s: {"pk": 1}, kind="auth"),
    "account_email_managed": Route(kind="auth"),  # allauth's e-mail page, sent to the account page
    # --- Accounts: an organisation's administrator manages its users; the invitee's link ------------------
    "accounts:account": Route(own_data=True),
    "accounts:member_index": Route(),
    "accounts:member_list": Route(lambda w, s: {"code": s.code}, ("GET", "POST"), SIDED),
    "accounts:member_active": Route(member, ("POST",), SIDED, post=lambda w, s: {"active": "0"}),
    "accounts:member_resend": Route(member, ("POST",), SIDED),
    # An invalid or used link: a Japanese page saying so, to anyone.
    "accounts:accept_invite": Route(lambda w, s: {"uidb64": "MQ", "token": "x-y"}, kind="public"),
    # --- KPIs --------------------------------------------------------------------------------------------
    "kpis:dashboard": Route(),
    "kpis:plan_dashboard": Route(plan),
    "kpis:plan_report": Route(plan),
    "kpis:organization_list": Route(),
    "kpis:organization_detail": Route(lambda w, s: {"code": s.code}, outsiders=SIDED),
    "kpis:kpi_list": Route(),
    "kpis:kpi_detail": Route(obj("kpi"), outsiders=SIDED),
    # The entry grid: everyone who sees the body reads it; its editors save (an untouched grid writes nothing).
    "kpis:grid_start": Route(query="?org=pref-13"),
    "kpis:organization_grid": Route(
        lambda w, s: {"code": s.code},
        ("GET", "POST"),
        SIDED,
        post=lambda w, s: {f"c-{s.kpi.pk}-FY": "7", f"o-{s.kpi.pk}-FY": "", f"v-{s.kpi.pk}-FY": "0"},
        query="?year=2025",
    ),
    "kpis:actual_edit": Route(
        obj("kpi"),
        ("GET", "POST"),
        SIDED,
        post=lambda w, s: {"year": 2025, "half": "FY", "value": "7", "version": 0},
    ),
    "kpis:evaluation_edit": Route(
        obj("kpi"),
        ("GET", "POST"),
        SIDED,
        post=lambda w, s: {"period": "2025-2025", "text": "順調に推移した。", "version": 0},
    ),
    "kpis:revision_propose": Route(obj("kpi"), ("GET", "POST"), SIDED),
    "kpis:revision_list": Route(),
    # The demo has a revision of 東京都's KPI only: the 大阪府 side borrows it (so 大阪府's users are its outsiders).
    "kpis:revision_detail": Route(obj("revision"), ("GET", "POST"), {"tokyo": OUTSIDERS["tokyo"], "osaka": ()}),
    "kpis:notice_list": Route(),
    # --- PDCA --------------------------------------------------------------------------------------------
    "pdca:evaluation_list": Route(),
    "pdca:evaluation_start": Route(lambda w, s: {"period": w.period.param, "code": s.code}, ("POST",), SIDED),
    "pdca:evaluation_detail": Route(obj("evaluation"), outsiders=SIDED),
    "pdca:evaluation_edit": Route(obj("evaluation"), ("GET", "POST"), SIDED),
    "pdca:evaluation_transition": Route(with_(obj("evaluation"), action="submit"), ("POST",), SIDED),
    "pdca:todo": Route(),
    "pdca:compilation": Route(lambda w, s: {"period_id": w.period.pk}),
    "pdca:final_evaluation": Route(plan),
    # --- Documents (.docx / .pdf): the page's getter decides; Word in the walk (fast), PDF in reports' tests
    "exchange:export_compilation": Route(lambda w, s: {"period_id": w.period.pk, "fmt": "xlsx"}),
    "reports:plan_report": Route(with_(plan, fmt="docx")),
    "reports:self_evaluation": Route(with_(obj("evaluation"), fmt="docx"), outsiders=SIDED),
    "reports:compilation": Route(lambda w, s: {"period_id": w.period.pk, "fmt": "docx"}),
    # The national compilation is made by a task: asked for by POST (the user's own job), downloaded by its owner only
    "reports:compilation_request": Route(
        lambda w, s: {"period_id": w.period.pk, "fmt": "docx"}, ("POST",), own_data=True
    ),
    "reports:document_job": Route(token("document_job"), outsiders=SIDED),
    "reports:document_job_progress": Route(token("document_job"), outsiders=SIDED),
    "reports:document_job_download": Route(token("document_job"), outsiders=SIDED),
    "reports:final_evaluation": Route(with_(plan, fmt="docx")),
    "reports:meeting": Route(with_(obj("meeting"), fmt="docx"), outsiders=BLOCK_OUTSIDERS),
    "reports:case": Route(with_(obj("case"), fmt="docx"), outsiders=SIDED),
    "reports:model_case": Route(with_(obj("model_case"), fmt="docx"), outsiders=JPO_ONLY),
    # Prefectures side by side; 督促 is sent by the reviewers of the body (JPO, its bureau) to a late body.
    "pdca:comparison": Route(),
    "pdca:comparison_remind": Route(
        methods=("POST",), outsiders=SIDED, post=lambda w, s: {"organization": s.code, "plan": w.plan.number}
    ),
    # --- meetings ----------------------------------------------------------------------------------------
    "meetings:meeting_list": Route(),
    "meetings:meeting_create": Route(methods=("GET", "POST")),
    "meetings:meeting_detail": Route(obj("meeting"), ("GET", "POST"), BLOCK_OUTSIDERS),
    "meetings:meeting_edit": Route(obj("meeting"), ("GET", "POST"), BLOCK_OUTSIDERS),
    # --- hands-on support --------------------------------------------------------------------------------
    "cases:case_list": Route(),
    # Defect 1: another body's registered 法人番号 typed into a new referral must not attach or reveal its company.
    "cases:case_create": Route(
        methods=("GET", "POST"),
        post=lambda w, s: {
            "corporate_number": w.sides["osaka" if s.code == "pref-13" else "tokyo"].company.corporate_number,
            "referred_by": s.organization.pk,
            "opened_on": "2025-06-02",
            "note": "紹介",
        },
    ),
    "cases:case_overdue": Route(),
    "cases:case_detail": Route(obj("case"), ("GET", "POST"), SIDED),
    "cases:case_edit": Route(obj("case"), ("GET", "POST"), SIDED),
    "cases:case_stage": Route(obj("case"), ("POST",), SIDED, post=lambda w, s: {"stage": "hearing"}),
    "cases:company_list": Route(),
    "cases:company_create": Route(methods=("GET", "POST")),
    "cases:company_detail": Route(obj("company"), outsiders=SIDED),
    "cases:kpi_drill": Route(lambda w, s: {"kpi_pk": s.kpi.pk, "year": 2024}, outsiders=SIDED),
    "cases:network": Route(),
    "cases:model_case_edit": Route(obj("case"), ("GET", "POST"), SIDED),
    "cases:model_case_admin_list": Route(),
    "cases:model_case_review": Route(obj("model_case"), ("GET", "POST"), JPO_ONLY),
    "cases:model_case_transition": Route(with_(obj("model_case"), action="submit"), ("POST",), JPO_ONLY),
    "public:model_case_list": Route(kind="public"),
    "public:model_case_feed": Route(kind="public"),
    "public:feed_help": Route(kind="public"),
    "public:model_case_detail": Route(obj("published_model_case"), kind="public"),
    # --- surveys -----------------------------------------------------------------------------------------
    # The answering page: the link's token is the key, no login (its POST is tested in chizai/surveys/tests).
    "survey_answer:answer": Route(lambda w, s: {"token": s.survey_token}, kind="public"),
    "surveys:questionnaire_list": Route(),
    # Aggregates: JPO all, a bureau its block, a prefecture itself; bodies of other kinds see none.
    "surveys:results": Route(_questionnaire, outsiders=NO_RESULTS),
    "surveys:free_texts": Route(_questionnaire, outsiders=NO_RESULTS, query="?q=満足&block=3&year=2025"),
    "reports:survey_answers": Route(
        with_(_questionnaire, fmt="csv"), outsiders=NO_RESULTS, query="?encoding=utf-8"
    ),  # UTF-8, so the leak check reads it
    # Questionnaire design is JPO's writers'; a sent questionnaire's edit makes its next version.
    "surveys:questionnaire_create": Route(methods=("GET", "POST"), outsiders=JPO_ONLY, post=lambda w, s: _design()),
    "surveys:questionnaire_edit": Route(
        _questionnaire, ("GET", "POST"), JPO_ONLY, post=lambda w, s: _design(edit=True)
    ),
    "surveys:questionnaire_send": Route(_questionnaire, ("POST",), JPO_ONLY),
    # The municipality survey: every body sees its own prefectures' rows; JPO sends; a prefecture answers its own.
    "surveys:municipal_status": Route(
        lambda w, s: {"pk": _municipal_invitation(s).questionnaire_id},
        ("GET", "POST"),
        post=lambda w, s: {"year": _municipal_invitation(s).fiscal_year},
    ),
    "surveys:municipal_answer": Route(lambda w, s: {"invitation_pk": _municipal_invitation(s).pk}, ("POST",), SIDED),
    # The analysis fed back to the regions: aggregates of a block or a prefecture, page and document.
    "surveys:analysis_index": Route(),
    "surveys:analysis_region": Route(lambda w, s: {"code": s.code}, outsiders=SIDED),
    "reports:regional_analysis": Route(lambda w, s: {"code": s.code, "fmt": "docx"}, outsiders=SIDED),
    "surveys:case_surveys": Route(
        lambda w, s: {"case_pk": s.case.pk},
        methods=("GET", "POST"),
        outsiders=SIDED,
        post=lambda w, s: {
            "questionnaire": s.survey_invitation.questionnaire_id,
            "email": "contract@example.jp",
            "valid_days": "30",
        },
    ),
    # The answers behind a KPI counted from the follow-up survey (the drill-through of its figure).
    "surveys:kpi_answers": Route(lambda w, s: {"kpi_pk": s.kpi.pk, "year": 2024}, outsiders=SIDED),
    # --- REST API ----------------------------------------------------------------------------------------
    "api:plan_list": Route(kind="api"),
    "api:plan_detail": Route(plan, ("GET", "PATCH"), kind="api"),
    "api:kpi_list": Route(methods=("GET", "POST"), kind="api"),
    "api:kpi_detail": Route(obj("kpi"), ("GET", "PATCH"), SIDED, kind="api"),
    "api:kpi_targets": Route(obj("kpi"), ("GET", "POST"), SIDED, kind="api"),
    "api:kpi_actuals": Route(obj("kpi"), ("GET", "PUT", "POST"), SIDED, kind="api"),
    "api:kpi_evaluations": Route(obj("kpi"), ("GET", "PUT"), SIDED, kind="api"),
    "api:target_detail": Route(obj("target"), ("GET", "PATCH"), SIDED, kind="api"),
    "api:case_list": Route(methods=("GET", "POST"), kind="api"),
    "api:case_detail": Route(obj("case"), outsiders=SIDED, kind="api"),
    "api:case_stage": Route(obj("case"), ("POST",), SIDED, kind="api"),
    "api:token": Route(methods=("GET", "POST"), own_data=True),
    "api:schema": Route(kind="api"),
    "api:docs": Route(kind="api"),
    # Any other address under /api/: the documented JSON 404 (401 without credentials).
    "api:not_found": Route(kind="api"),
    # --- search and help ---------------------------------------------------------------------------------
    "search:results": Route(query="?q=東京"),
    "search:help": Route(),
    # --- Excel / CSV -------------------------------------------------------------------------------------
    "audit:entry_list": Route(query="?user=tokyo&date_from=2025-04-01&object_type=kpis.kpi&page=2"),
    "exchange:import_list": Route(methods=("GET", "POST")),
    "exchange:import_detail": Route(obj("job"), outsiders=SIDED),
    "exchange:import_progress": Route(obj("job"), outsiders=SIDED),
    "exchange:import_apply": Route(obj("job"), ("POST",), SIDED),
    "exchange:import_retry": Route(obj("job"), ("POST",), SIDED),
    "exchange:export_dashboard": Route(with_(plan, fmt="csv")),
    "exchange:export_organization": Route(lambda w, s: {"code": s.code, "fmt": "csv"}, outsiders=SIDED),
    "exchange:export_evaluations": Route(lambda w, s: {"fmt": "csv"}),
    "exchange:export_cases": Route(lambda w, s: {"fmt": "csv"}),
    "exchange:import_template": Route(lambda w, s: {"kind": "actuals", "fmt": "csv"}),
}


def url_names() -> list[str]:
    """Every named route of ours in the urlconf (the Django admin's own excluded)."""
    names: list[str] = []

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
                if inner == "admin":
                    continue
                walk(pattern, inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or f"<unnamed {pattern.pattern}>"
                names.append(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver(), "")
    return names
