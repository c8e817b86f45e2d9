"""The help page (使い方): what each kind of user does in chizai, the reader's own role first."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chizai.organizations.choices import OrganizationKind, Role
from chizai.organizations.permissions import memberships
from chizai.organizations.types import AnyUser


@dataclass(frozen=True)
class RoleHelp:
    key: str
    title: str
    steps: tuple[str, ...]


ROLES = (
    RoleHelp(
        "editor",
        "都道府県・支援機関の担当者（編集者）",
        (
            "「やること」で、提出期限が近い・過ぎた自己評価と差し戻された自己評価を確認します。行の「入力する」「修正する」から、そのまま入力画面へ進めます。ホーム画面にも、差し戻された自己評価をお知らせします。",
            "KPIの実績は、KPIの画面の「実績を入力」から半期・年度ごとに入力します。",
            "自己評価を書き終えたら「提出」します。局の確認・特許庁の受理を経て確定します。差し戻されたときはコメントを読んで修正し、再提出します。",
            "有望な企業は「ハンズオン支援」の「支援案件」から紹介できます。法人番号で企業を探せます。",
        ),
    ),
    RoleHelp(
        "viewer",
        "閲覧者",
        (
            "ダッシュボードと関係主体の画面で、KPIの目標・実績・達成率を確認できます。",
            "画面上部の検索欄から、KPI・関係主体・企業（名称・法人番号）を探せます。",
            "入力や提出はできません。必要なときは所属組織の編集者に依頼してください。",
        ),
    ),
    RoleHelp(
        "reviewer",
        "経済産業局の確認者（審査者）",
        (
            "「やること」に、局の確認を待っている自己評価と、提出期限を過ぎた管内の関係主体が並びます。",
            "自己評価の画面で本文を読んでから、画面下の「局確認」または「差戻し」を押します。差し戻すときは理由を書きます。",
            "「取りまとめ」で管内の都道府県の自己評価を並べて確認できます。地域連絡会議の資料もここから作れます。",
        ),
    ),
    RoleHelp(
        "jpo",
        "特許庁の担当者",
        (
            "「やること」に、受理を待っている自己評価と全国の提出遅れが地域ブロック別に並びます。",
            "KPIの見直しの報告、お知らせ、モデル事例の審査・公開、計画期間の評価を行います。",
            "「データ連携」から、Excel・CSVの取込とAPIの利用ができます。",
        ),
    ),
)


def roles_of(user: AnyUser) -> list[str]:
    keys = []
    for membership in memberships(user):
        if membership.organization.kind == OrganizationKind.JPO:
            keys.append("jpo")
        if membership.role in (Role.REVIEWER, Role.ADMIN) and membership.organization.kind == OrganizationKind.BUREAU:
            keys.append("reviewer")
        if membership.role in (Role.EDITOR, Role.ADMIN):
            keys.append("editor")
        if membership.role == Role.VIEWER:
            keys.append("viewer")
    return keys


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    own = roles_of(request.user)
    sections = sorted(ROLES, key=lambda role: role.key not in own)
    return render(request, "search/help.html", {"sections": sections, "own": own})
