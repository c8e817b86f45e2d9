"""The invitation and reminder e-mails: plain Japanese text with the answering link."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.timezone import localtime

from chizai.lib.date_labels import date_label
from chizai.surveys.models import Invitation
from chizai.surveys.municipal import recipients


def answer_url(token: str) -> str:
    return settings.CHIZAI_SITE_URL.rstrip("/") + reverse("survey_answer:answer", args=[token])


def send_invitation(invitation: Invitation, token: str, *, reminder: bool = False) -> None:
    questionnaire = invitation.questionnaire
    subject = f"{'【再送】' if reminder else ''}アンケートご協力のお願い（{questionnaire.title}）"
    body = (
        f"{questionnaire.title}へのご協力をお願いいたします。\n\n"
        f"次のリンクから回答できます（ログインは不要です）。\n{answer_url(token)}\n\n"
        f"回答期限: {date_label(localtime(invitation.expires_at))}\n\n"
        "このメールに心当たりのない場合は、破棄してください。\n特許庁 地域知財活性化の担当\n"
    )
    if invitation.organization_id is not None:  # a prefecture's users may also answer from their signed-in page
        body = body.replace(
            "（ログインは不要です）。",
            "（ログインは不要です。ログイン後の「アンケート」の依頼状況からも回答できます）。",
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients(invitation))
