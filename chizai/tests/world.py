"""The shared world of the cross-app contract tests: the demo data plus one object per side.

Two "sides" hold an object of every kind: 東京都 (pref-13, 関東 block) and 大阪府 (pref-27, 近畿 block).
The demo (`load_demo`, built through the apps' own writers) provides most of them; what it lacks (a 近畿
meeting, import jobs) is added here. Built once per module inside a transaction that is rolled back at the
end, so the rest of the suite never sees it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from chizai.organizations.models import Membership, Organization

SIDES = ("tokyo", "osaka")
SIDE_CODES = {"tokyo": "pref-13", "osaka": "pref-27"}
SIDE_BUREAUS = {"tokyo": "bureau-kanto", "osaka": "bureau-kinki"}
PLAN_FILE = "plans/3rd_regional_ip_action_plan.yaml"

# The apps whose rows are domain data: a write to any of them must leave an audit entry. The audit app is not
# one: its change entries are counted apart (AuditEntry.objects.changes()), and its access entries record reads.
DOMAIN_APPS = ("organizations", "kpis", "pdca", "meetings", "cases", "exchange", "surveys")


@dataclass
class Side:
    """The objects of one side (東京都 or 大阪府), by the name the route registry uses."""

    code: str
    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class World:
    plan: Any
    period: Any
    sides: dict[str, Side]
    # username -> texts (company names, 法人番号) of companies that belong to bodies the user does not see
    foreign_company_texts: dict[str, list[str]]


def build_world() -> World:
    from chizai.cases.models import ModelCase, SupportCase
    from chizai.exchange.models import ImportJob
    from chizai.kpis.models import Kpi, KpiRevision, Plan, Target
    from chizai.meetings.models import LiaisonMeeting
    from chizai.pdca.models import ReportingPeriod, SelfEvaluation
    from chizai.reports.models import DocumentJob

    call_command("load_plan", PLAN_FILE, verbosity=0, stdout=_Null())
    call_command("load_demo", verbosity=0, stdout=_Null())
    plan = Plan.objects.get(number=3)
    period = ReportingPeriod.objects.filter(plan=plan).order_by("fiscal_year", "half").last()
    User = get_user_model()
    sides: dict[str, Side] = {}
    for side, code in SIDE_CODES.items():
        owner = Organization.objects.get(code=code)
        bureau = Organization.objects.get(code=SIDE_BUREAUS[side])
        kpi = Kpi.objects.filter(plan=plan, owner=owner).order_by("pk").first()
        assert kpi is not None, f"the demo has no regional KPI of {code}"
        evaluation = SelfEvaluation.objects.filter(organization=owner).order_by("-period__fiscal_year", "-pk").first()
        case = SupportCase.objects.filter(referred_by=owner).order_by("pk").first()
        assert case is not None, f"the demo has no case referred by {code}"
        meeting = LiaisonMeeting.objects.filter(bureau=bureau).first() or LiaisonMeeting.objects.create(
            bureau=bureau,
            plan=plan,
            fiscal_year=2024,
            title=f"{bureau.name} 地域連絡会議",
            held_on=datetime.date(2025, 2, 14),
        )
        editor = User.objects.get(username=f"{side}_editor")
        job = ImportJob.objects.create(
            user=editor, plan=plan, organization=owner, original_name=f"{side}.csv", sha256="0" * 64, size=1
        )
        revision = KpiRevision.objects.filter(kpi__owner=owner).first()
        document_job = DocumentJob.objects.create(user=editor, kind="compilation", fmt="docx", title=f"{side}の帳票")
        sides[side] = Side(
            code=code,
            objects={
                "organization": owner,
                "kpi": kpi,
                "target": Target.objects.filter(kpi=kpi).order_by("pk").first(),
                "evaluation": evaluation,
                "case": case,
                "company": case.company,
                "meeting": meeting,
                "job": job,
                "revision": revision,
                "document_job": document_job,
            },
        )
    if sides["osaka"].objects["revision"] is None:
        sides["osaka"].objects["revision"] = sides["tokyo"].revision
    model_case = ModelCase.objects.order_by("pk").first()
    published = ModelCase.objects.filter(status="published").order_by("pk").first()
    for side in sides.values():
        side.objects["model_case"] = model_case
        side.objects["published_model_case"] = published
    _add_survey_invitations(sides)
    return World(plan=plan, period=period, sides=sides, foreign_company_texts=_foreign_company_texts())


def _add_survey_invitations(sides: dict[str, Side]) -> None:
    """A sent follow-up questionnaire and, for each side's case, an invitation whose link (token) routes use."""
    from chizai.surveys import actions
    from chizai.surveys.models import Audience, QuestionKind

    jpo = get_user_model().objects.get(username="jpo_admin")
    questionnaire = actions.create_questionnaire(
        code="world-follow-up",
        title="フォローアップ調査（テスト）",
        audience=Audience.COMPANY,
        questions=[actions.QuestionSpec("q1", "満足度", QuestionKind.SCALE)],
        actor=jpo,
    )
    questionnaire = actions.send_questionnaire(questionnaire=questionnaire, actor=jpo)
    for side in sides.values():
        invitation, token = actions.invite_case(
            questionnaire=questionnaire, case=side.case, email="info@example.jp", actor=jpo
        )
        side.objects["survey_invitation"] = invitation
        side.objects["survey_token"] = token


def _foreign_company_texts() -> dict[str, list[str]]:
    """Per cast member: names and 法人番号 of companies only other bodies deal with.

    Computed from the rows themselves (support team, referrer, registrant), not through the permission code
    under test. JPO members deal with every company, so nothing is foreign to them.
    """
    from chizai.cases.models import Company, SupportCase

    texts: dict[str, list[str]] = {}
    for membership in Membership.objects.select_related("user", "organization"):
        username = membership.user.get_username()
        if membership.organization.kind == "jpo":
            texts[username] = []
            continue
        org_id = membership.organization_id
        own = set(SupportCase.objects.filter(referred_by_id=org_id).values_list("company_id", flat=True)) | set(
            SupportCase.objects.filter(support_team_id=org_id).values_list("company_id", flat=True)
        )
        own |= set(Company.objects.filter(registered_by_id=org_id).values_list("pk", flat=True))
        foreign = Company.objects.exclude(pk__in=own)
        texts[username] = [t for c in foreign for t in (c.name, c.corporate_number) if t and len(t) >= 6]
    return texts


def write_fingerprint() -> tuple[Any, ...]:
    """Per domain table: row count, highest id and the sum of versions, in one query. Any insert, delete or
    versioned update changes it."""
    parts: list[str] = []
    for model in apps.get_models():
        if model._meta.app_label not in DOMAIN_APPS:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        parts.append(f"(SELECT COUNT(*) FROM {table})")
        parts.append(f"(SELECT MAX({pk}) FROM {table})")
        if any(f.name == "version" for f in model._meta.fields):
            parts.append(f"(SELECT SUM(version) FROM {table})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return tuple(row)


class _Null:
    def write(self, *_args: Any) -> None:
        pass

    def flush(self) -> None:
        pass
