"""The REST API: plans, KPIs, targets, actuals, evaluations and cases, with the pages' permissions and audit.

Every object is fetched through its permission chokepoint (Kpi.objects.visible_to / get_kpi_for_user,
SupportCase.objects.visible_to / get_case_for_user); every write goes through the same action (and audit) as the pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from chizai.api import permissions
from chizai.api import serializers as api
from chizai.api.query import StrictQuery, read_query
from chizai.audit.log import log_access
from chizai.cases import actions as case_actions
from chizai.cases.access import can_refer, get_case_for_user
from chizai.cases.models import Company, SupportCase
from chizai.kpis import figures
from chizai.kpis.access import get_kpi_for_user, get_target_for_user
from chizai.kpis.actions import (
    ConflictError,
    counted_refusal,
    save_actual,
    save_evaluation,
    save_kpi,
    save_plan,
    save_target,
)
from chizai.kpis.models import Actual, ActualSource, Evaluation, Kpi, KpiKind, Plan, Target

# The largest id a database row can have: larger ids in a URL are simply not found.
MAX_ID = 2**63 - 1
NOT_FOUND_MESSAGE = "見つかりませんでした。"

Error = inline_serializer(
    "Error",
    fields={
        "detail": serializers.CharField(help_text="日本語のエラーメッセージ"),
        "errors": serializers.DictField(help_text="項目ごとのメッセージの一覧（項目名 → [メッセージ]）"),
    },
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "入力内容の誤り（説明にない問い合わせパラメーターを含む）",
        401: "認証が必要",
        403: "権限がない",
        404: "見つからない（または閲覧権限がない）",
        409: "他の利用者が先に更新した（版の不一致）",
    }
    # Every operation refuses query parameters it does not document (400) and asks for credentials (401).
    return {code: OpenApiResponse(Error, description=descriptions[code]) for code in sorted({400, 401, *codes})}


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def not_found(request: Request) -> Response:
    """Every address under /api/ that names no operation (e.g. /api/kpis/abc/): a JSON 404, after authentication."""
    raise exceptions.NotFound(NOT_FOUND_MESSAGE)


def checked_id(pk: int) -> int:
    if pk > MAX_ID:
        raise Http404(NOT_FOUND_MESSAGE)
    return pk


def _required_version(data: dict[str, Any]) -> int:
    """The version the client saw, which a partial update (PATCH) must still send."""
    if "version" not in data:
        raise serializers.ValidationError({"version": ["取得したときの版（version）を指定してください。"]})
    version: int = data.pop("version")
    return version


# Plans


@extend_schema(tags=["計画"], description="計画の一覧（ログインしている利用者は誰でも閲覧できます）。")
class PlanList(StrictQuery, generics.ListAPIView[Plan]):
    """Plans, readable by every logged-in user."""

    paginated = True

    queryset = Plan.objects.all()
    serializer_class = api.PlanSerializer

    @extend_schema(responses={200: api.PlanSerializer(many=True), **errors()})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["計画"], description="計画（次で指定）。名称と概要の変更は特許庁の管理者だけができます。")
class PlanDetail(StrictQuery, generics.RetrieveUpdateAPIView[Plan]):
    """A plan by its number; its name and description are changed by JPO administrators only."""

    queryset = Plan.objects.all()
    serializer_class = api.PlanSerializer
    lookup_field = "number"
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> Plan:
        plan = Plan.objects.filter(number=self.kwargs["number"]).first()
        if plan is None:
            raise Http404("計画が見つかりません。")
        return plan

    @extend_schema(responses={200: api.PlanSerializer, **errors(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={200: api.PlanSerializer, **errors(400, 403, 404)})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        permissions.check_plan_writer(request.user)
        serializer = self.get_serializer(plan, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        plan, _ = save_plan(number=plan.number, values=serializer.validated_data, actor=request.user, reason="API")
        return Response(self.get_serializer(plan).data)


# KPIs


class KpiContextMixin:
    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        context["today"] = timezone.localdate()
        return context


@extend_schema(
    tags=["KPI"],
    description="閲覧できるKPIの一覧と、計算した年度ごとの達成状況。地域KPIの登録は、その都道府県の編集者ができます。",
)
class KpiList(StrictQuery, KpiContextMixin, generics.ListCreateAPIView[Kpi]):
    """The KPIs the user may see, with computed achievement; regional KPIs are created by their prefecture's editors."""

    paginated = True

    serializer_class = api.KpiSerializer
    query_serializer = api.KpiFilterSerializer

    def get_queryset(self) -> QuerySet[Kpi]:
        filters = read_query(self.request, api.KpiFilterSerializer)
        kpis = Kpi.objects.visible_to(self.request.user).select_related("plan", "owner", "owner__bureau", "parent")
        if "plan" in filters:
            kpis = kpis.filter(plan__number=filters["plan"])
        if "organization" in filters:
            kpis = kpis.filter(owner__code=filters["organization"])
        if "kind" in filters:
            kpis = kpis.filter(kind=filters["kind"])
        return kpis

    @extend_schema(parameters=[api.KpiFilterSerializer], responses={200: api.KpiSerializer(many=True), **errors(400)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # the list is always paged (`paginated`)
        context = {**self.get_serializer_context(), "figures": figures.load(page)}
        return self.get_paginated_response(self.get_serializer(page, many=True, context=context).data)

    @extend_schema(request=api.KpiWriteSerializer, responses={201: api.KpiSerializer, **errors(400, 403)})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        permissions.check_any_writer(request.user)
        serializer = api.KpiWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        permissions.check_regional_owner(request.user, data["owner"])
        plan, code = data.pop("plan"), data.pop("code")
        kpi, _ = save_kpi(
            plan=plan,
            code=code,
            values={**data, "kind": KpiKind.REGIONAL},
            expected_version=0,
            actor=request.user,
            reason="API",
        )
        created = Kpi.objects.with_values().get(pk=kpi.pk)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["KPI"],
    description="KPIと計算した達成状況。地域KPIの定義の変更は、その都道府県の編集者ができます（中央KPIは不可）。",
)
class KpiDetail(StrictQuery, KpiContextMixin, generics.RetrieveUpdateAPIView[Kpi]):
    """One KPI; a regional KPI's definition is changed by its prefecture's editors (central KPIs never)."""

    serializer_class = api.KpiSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> Kpi:
        return get_kpi_for_user(self.request.user, checked_id(self.kwargs["pk"]))

    @extend_schema(responses={200: api.KpiSerializer, **errors(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=api.KpiWriteSerializer, responses={200: api.KpiSerializer, **errors(400, 403, 404, 409)})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kpi = self.get_object()
        permissions.check_regional_kpi_writer(request.user, kpi)
        serializer = api.KpiWriteSerializer(kpi, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = _required_version(data)
        if "owner" in data:
            permissions.check_regional_owner(request.user, data["owner"])
        save_kpi(plan=kpi.plan, code=kpi.code, values=data, expected_version=expected, actor=request.user, reason="API")
        return Response(self.get_serializer(Kpi.objects.with_values().get(pk=kpi.pk)).data)


# Targets


def _kpi_for_write(request: Request, pk: int) -> Kpi:
    kpi = get_kpi_for_user(request.user, checked_id(pk))
    permissions.check_kpi_data_writer(request.user, kpi)
    return kpi


@extend_schema(tags=["目標"], description="KPIの目標の一覧と登録（登録はKPIの関係主体の編集者）。")
class KpiTargets(StrictQuery, generics.ListCreateAPIView[Target]):
    """A KPI's targets; editors of the KPI's owner add them."""

    serializer_class = api.TargetSerializer
    paginated = True

    def get_queryset(self) -> QuerySet[Target]:
        kpi = get_kpi_for_user(self.request.user, checked_id(self.kwargs["pk"]))
        return Target.objects.filter(kpi=kpi).order_by("start_year", "end_year", "pk")

    @extend_schema(responses={200: api.TargetSerializer(many=True), **errors(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=api.TargetCreateSerializer, responses={201: api.TargetSerializer, **errors(400, 403, 404)})
    def post(self, request: Request, pk: int) -> Response:
        kpi = _kpi_for_write(request, pk)
        serializer = api.TargetCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            target = save_target(kpi=kpi, **data, expected_version=0, actor=request.user, reason="API")
        except ConflictError as error:
            raise serializers.ValidationError(
                {"start_year": ["この期間の目標はすでに登録されています。変更は /api/targets/{id}/ で行ってください。"]}
            ) from error
        return Response(api.TargetSerializer(target).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["目標"], description="目標（ID で指定）。変更はKPIの関係主体の編集者が、取得したときの版を添えて行います。"
)
class TargetDetail(StrictQuery, generics.RetrieveUpdateAPIView[Target]):
    """One target; changed by editors of the KPI's owner, with the version they saw."""

    serializer_class = api.TargetSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> Target:
        return get_target_for_user(self.request.user, checked_id(self.kwargs["pk"]))

    @extend_schema(responses={200: api.TargetSerializer, **errors(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=api.TargetUpdateSerializer, responses={200: api.TargetSerializer, **errors(400, 403, 404, 409)}
    )
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = self.get_object()
        permissions.check_kpi_data_writer(request.user, target.kpi)
        serializer = api.TargetUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = _required_version(data)
        saved = save_target(
            kpi=target.kpi,
            start_year=target.start_year,
            end_year=target.end_year,
            value=data.get("value", target.value),
            note=data.get("note"),
            expected_version=expected,
            actor=request.user,
            reason="API",
        )
        target = saved if saved is not None else target
        return Response(api.TargetSerializer(target).data)


# Actuals and evaluations


@extend_schema(
    tags=["実績"],
    description="KPIの実績の一覧と入力。画面と同じ規則で検証し、取得したときの版と一致しなければ 409 を返します。",
)
class KpiActuals(StrictQuery, generics.ListAPIView[Actual]):
    """A KPI's actuals; a write goes through save_actual like the entry page, version-checked."""

    serializer_class = api.ActualSerializer
    paginated = True

    def get_queryset(self) -> QuerySet[Actual]:
        kpi = get_kpi_for_user(self.request.user, checked_id(self.kwargs["pk"]))
        return Actual.objects.filter(kpi=kpi).order_by("start_year", "end_year", "half", "pk")

    @extend_schema(responses={200: api.ActualSerializer(many=True), **errors(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=api.ActualWriteSerializer,
        responses={
            200: api.ActualSerializer,
            204: OpenApiResponse(description="実績を削除した（値を空で送ったとき）"),
            **errors(400, 403, 404, 409),
        },
    )
    def put(self, request: Request, pk: int) -> Response:
        kpi = get_kpi_for_user(request.user, checked_id(pk), write=True)
        if kpi.counting_rule:
            raise serializers.ValidationError(counted_refusal(kpi, "APIからは入力できません"))
        serializer = api.ActualWriteSerializer(data=request.data, context={"kpi": kpi})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved = save_actual(
            kpi=kpi,
            start_year=data["year"],
            end_year=data["year"],
            half=data["half"],
            value=data["value"],
            numerator=data.get("numerator"),
            denominator=data.get("denominator"),
            expected_version=data["version"],
            actor=request.user,
            source=ActualSource.IMPORTED,
            source_note="API",
        )
        if saved is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(api.ActualSerializer(saved).data)

    @extend_schema(
        request=api.ActualWriteSerializer,
        responses={
            200: api.ActualSerializer,
            204: OpenApiResponse(description="実績を削除した（値を空で送ったとき）"),
            **errors(400, 403, 404, 409),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.put(request, pk)


@extend_schema(tags=["評価"], description="KPIの評価（文章）の一覧と入力。")
class KpiEvaluations(StrictQuery, generics.ListAPIView[Evaluation]):
    """A KPI's written evaluations; a write goes through save_evaluation, version-checked."""

    serializer_class = api.EvaluationSerializer
    paginated = True

    def get_queryset(self) -> QuerySet[Evaluation]:
        kpi = get_kpi_for_user(self.request.user, checked_id(self.kwargs["pk"]))
        return Evaluation.objects.filter(kpi=kpi).order_by("start_year", "end_year", "half", "pk")

    @extend_schema(responses={200: api.EvaluationSerializer(many=True), **errors(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=api.EvaluationWriteSerializer,
        responses={
            200: api.EvaluationSerializer,
            204: OpenApiResponse(description="評価を削除した（本文を空で送ったとき）"),
            **errors(400, 403, 404, 409),
        },
    )
    def put(self, request: Request, pk: int) -> Response:
        kpi = get_kpi_for_user(request.user, checked_id(pk), write=True)
        serializer = api.EvaluationWriteSerializer(data=request.data, context={"kpi": kpi})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved = save_evaluation(
            kpi=kpi,
            start_year=data["start_year"],
            end_year=data["end_year"],
            text=data["text"],
            expected_version=data["version"],
            actor=request.user,
            reason="API",
        )
        if saved is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(api.EvaluationSerializer(saved).data)


# Cases


def _cases(user: Any) -> QuerySet[SupportCase]:
    return (
        SupportCase.objects.visible_to(user)
        .select_related("company__prefecture", "referred_by", "support_team")
        .prefetch_related("issues")
    )


def _case_response(request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    case = _cases(request.user).get(pk=pk)
    return Response(api.CaseSerializer(case, context={"request": request}).data, status=code)


@extend_schema(
    tags=["ハンズオン支援"],
    description="閲覧できる支援案件の一覧（紹介元には状況のみ）と、企業の紹介（地域掘り起こし型）による案件の登録。",
)
class CaseList(StrictQuery, generics.ListCreateAPIView[SupportCase]):
    """The cases the user may see (status only for a referrer), and referrals that open a case."""

    paginated = True

    serializer_class = api.CaseSerializer

    def get_queryset(self) -> QuerySet[SupportCase]:
        return _cases(self.request.user)

    @extend_schema(responses={200: api.CaseSerializer(many=True), **errors()})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=api.CaseReferralSerializer, responses={201: api.CaseSerializer, **errors(400, 403)})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Who may refer at all is known before the body is read: a viewer gets 403, not a list of field errors.
        if not can_refer(request.user):
            raise exceptions.PermissionDenied("企業を紹介する権限がありません。")
        serializer = api.CaseReferralSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = case_actions.refer_case(
            company=self._company(request, data),
            referred_by=data["referred_by"],
            actor=request.user,
            opened_on=data.get("opened_on"),
            note=data["note"],
        )
        return _case_response(request, case.pk, status.HTTP_201_CREATED)

    def _company(self, request: Request, data: dict[str, Any]) -> Any:
        if "company" in data:
            company = Company.objects.visible_to(request.user).filter(pk=min(data["company"], MAX_ID)).first()
            if company is None:
                raise serializers.ValidationError({"company": ["企業が見つかりません。"]})
            return company
        return case_actions.CompanyData(**data["new_company"])


@extend_schema(
    tags=["ハンズオン支援"], description="支援案件。紹介元には状況（段階と日付）だけを返し、record は null になります。"
)
class CaseDetail(StrictQuery, generics.RetrieveAPIView[SupportCase]):
    """One case; `record` is null for a referrer, who sees the status only."""

    serializer_class = api.CaseSerializer

    def get_object(self) -> SupportCase:
        case = get_case_for_user(self.request.user, checked_id(self.kwargs["pk"]))
        log_access(self.request.user, "cases.case.viewed", case, detail="API")
        return _cases(self.request.user).get(pk=case.pk)

    @extend_schema(responses={200: api.CaseSerializer, **errors(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(
    tags=["ハンズオン支援"],
    description="支援案件の段階を進めます（伴走支援モデルで許される移動だけ）。特許庁・支援チームの編集者ができます。",
)
class CaseStage(StrictQuery, generics.GenericAPIView[SupportCase]):
    """Move a case to another stage of the accompanying-support model (chizai.cases.actions.move_stage)."""

    serializer_class = api.StageMoveSerializer

    @extend_schema(request=api.StageMoveSerializer, responses={200: api.CaseSerializer, **errors(400, 403, 404, 409)})
    def post(self, request: Request, pk: int) -> Response:
        case = get_case_for_user(request.user, checked_id(pk), write=True)
        serializer = api.StageMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case_actions.move_stage(
            case=case,
            to_stage=data["to_stage"],
            actor=request.user,
            note=data["note"],
            due_date=data.get("due_date"),
            expected_version=data.get("version"),
        )
        return _case_response(request, case.pk)
