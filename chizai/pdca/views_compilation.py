"""Compilation (取りまとめ) and the end-of-plan evaluation (being written)."""

from django.http import HttpRequest, HttpResponse


def compilation(request: HttpRequest, period_id: int) -> HttpResponse:
    return HttpResponse(status=501)


def final_evaluation(request: HttpRequest, number: int) -> HttpResponse:
    return HttpResponse(status=501)
