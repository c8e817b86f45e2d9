"""The kinds of body, support body and role: plain choices that both the models and the permission rules use.

Kept apart from the models so that `permissions` (which the models' `visible_to` calls) never imports them.
"""

from __future__ import annotations

from django.db import models


class OrganizationKind(models.TextChoices):
    JPO = "jpo", "特許庁"
    INPIT = "inpit", "INPIT"
    INPIT_WINDOW = "inpit_window", "知財総合支援窓口"
    BUREAU = "bureau", "経済産業局等知的財産室"
    PREFECTURE = "prefecture", "自治体（都道府県）"
    SUPPORT_BODY = "support_body", "支援機関"


class SupportBodyType(models.TextChoices):
    YOROZU = "yorozu", "よろず支援拠点"
    JETRO = "jetro", "日本貿易振興機構（JETRO）"
    SMRJ = "smrj", "中小企業基盤整備機構"
    SHOKOKAI = "shokokai", "商工会"
    CHAMBER = "chamber", "商工会議所"
    INVENTION_ASSOCIATION = "invention_association", "発明協会"
    PATENT_ATTORNEYS = "patent_attorneys", "日本弁理士会"
    LAWYERS = "lawyers", "日本弁護士連合会"
    FINANCIAL_INSTITUTION = "financial_institution", "金融機関"
    OTHER = "other", "その他"


class Role(models.TextChoices):
    VIEWER = "viewer", "閲覧者"
    EDITOR = "editor", "編集者"
    REVIEWER = "reviewer", "審査者"
    ADMIN = "admin", "管理者"
