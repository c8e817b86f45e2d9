"""The upload form of the import page, and saving an upload as an ImportJob (hashed while it is written)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q

from chizai.exchange.actions import create_import_job
from chizai.exchange.models import ImportJob, JobStatus
from chizai.kpis.models import Plan
from chizai.lib.numbers import format_number
from chizai.organizations.models import Organization
from chizai.organizations.permissions import (
    can_edit_organization,
    memberships,
    primary_organization,
    sees_everything,
)

ACCEPTED_SUFFIXES = (".xlsx", ".csv", ".txt")


def editable_organizations(user: Any) -> list[Organization]:
    """The organisations the user may import into: those they may edit, in the usual order."""
    if sees_everything(user):
        candidates = list(Organization.objects.order_by("sort_order", "code"))
    else:
        candidates = [m.organization for m in memberships(user)]
    return [o for o in candidates if can_edit_organization(user, o)]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="ファイル",
        help_text="Excel（.xlsx）または CSV（.csv、.txt。Shift_JIS・UTF-8のどちらでも可）",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
        error_messages={"required": "取り込むファイルを選んでください。", "empty": "ファイルが空です。"},
    )
    plan = forms.ModelChoiceField(
        label="計画",
        queryset=Plan.objects.order_by("-number"),
        empty_label=None,
        error_messages={"required": "計画を選んでください。", "invalid_choice": "選んだ計画が見つかりません。"},
    )
    organization = forms.TypedChoiceField(
        label="取込先",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="選んだ場合、都道府県欄が空の行はこの関係主体のものとして扱い、他の関係主体の行は取り込みません。",
        error_messages={"invalid_choice": "この関係主体には取り込めません。"},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = {o.pk: o for o in editable_organizations(user)}
        field = self.fields["organization"]
        field.choices = [("", "指定しない（ファイルの都道府県欄に従う）")] + [  # type: ignore[attr-defined]
            (pk, o.name) for pk, o in self.organizations.items()
        ]
        home = primary_organization(user)
        if home is not None and home.pk in self.organizations:
            field.initial = home.pk
        self.fields["plan"].initial = Plan.objects.order_by("-number").values_list("pk", flat=True).first()

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        limit = settings.CHIZAI_IMPORT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"ファイルが大きすぎます（{format_number(upload.size)}バイト）。"
                f"{format_number(limit // (1024 * 1024))}MB以下のファイルに分けて取り込んでください。",
                code="too_big",
            )
        return upload

    def clean_organization(self) -> Organization | None:
        pk = self.cleaned_data.get("organization")
        return self.organizations[pk] if pk is not None else None

    def create_job(self, *, user: Any) -> ImportJob:
        """The upload stored with its job; its SHA-256 is computed while the file is written."""
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        original_name = PurePath(upload.name or "upload").name[:255]
        hashing = _HashingFile(upload)
        # The stored name is ours (no user text in paths); the original name is kept on the job.
        suffix = PurePath(original_name).suffix.lower()
        return create_import_job(
            stored_name=f"{uuid.uuid4().hex}{suffix if suffix in ACCEPTED_SUFFIXES else ''}",
            content=hashing,
            sha256=hashing.sha256,
            original_name=original_name,
            size=upload.size or 0,
            plan=self.cleaned_data["plan"],
            organization=self.cleaned_data["organization"],
            user=user,
        )


if TYPE_CHECKING:
    _FileBase = File[bytes]  # generic in django-stubs only
else:
    _FileBase = File


class _HashingFile(_FileBase):
    """The upload as the storage reads it, chunk by chunk, with a running SHA-256.

    No `temporary_file_path` here on purpose: the storage then copies through `chunks()` instead of moving the
    temporary file, so every byte stored is hashed.
    """

    def __init__(self, upload: UploadedFile[bytes]) -> None:
        super().__init__(upload.file, name=upload.name)
        self.sha256 = hashlib.sha256()
        upload.seek(0)

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in super().chunks(chunk_size):
            self.sha256.update(chunk)
            yield chunk


class ImportJobFilterForm(forms.Form):
    """Filters of the import list: status and a part of the file name (JPO also: a part of the user name)."""

    q = forms.CharField(
        label="ファイル名・取込者", required=False, max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    status = forms.ChoiceField(label="状態", required=False, choices=[("", "すべて"), *JobStatus.choices])

    def filter(self, job_list: Any) -> Any:
        """The jobs narrowed by every valid filter (an invalid one is ignored); never more than `job_list`."""
        if self.is_bound:
            self.is_valid()
        values = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}
        if "status" in values:
            job_list = job_list.filter(status=values["status"])
        if "q" in values:
            text = values["q"].strip()
            job_list = job_list.filter(Q(original_name__icontains=text) | Q(user__username__icontains=text))
        return job_list
