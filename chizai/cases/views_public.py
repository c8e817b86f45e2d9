"""Public model case pages (公開ページ, no login): search, one model case, the Atom feed and the page about it.

Only published model cases appear, and only their published texts: never the company, the case or its notes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks

from chizai.cases.model_cases import category_labels, matching_published, published, search_published
from chizai.cases.models import IssueCategory, ModelCase
from chizai.organizations.models import Organization

PAGE_SIZE = 20
FEED_SIZE = 50


class SearchForm(forms.Form):
    q = forms.CharField(
        label="キーワード", max_length=200, required=False, help_text="空白で区切ると、すべての語を含む事例を探します。"
    )
    industry = forms.ChoiceField(label="業種", required=False)
    region = forms.ChoiceField(label="地域（都道府県）", required=False)
    category = forms.ChoiceField(label="課題の分類", required=False, choices=[("", "すべて"), *IssueCategory.choices])

    def __init__(self, *args: Any, industries: list[str], prefectures: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        industry, region = self.fields["industry"], self.fields["region"]
        assert isinstance(industry, forms.ChoiceField) and isinstance(region, forms.ChoiceField)
        industry.choices = [("", "すべて"), *((name, name) for name in industries)]
        region.choices = [("", "すべて"), *((p.code, p.name) for p in prefectures)]


def _search_form(request: HttpRequest) -> SearchForm:
    industries = list(published().order_by("industry").values_list("industry", flat=True).distinct())
    prefectures = list(Organization.objects.prefectures())
    return SearchForm(request.GET or None, industries=industries, prefectures=prefectures)


def model_case_list(request: HttpRequest) -> HttpResponse:
    form = _search_form(request)
    criteria = form.cleaned_data if form.is_valid() else {}
    searching = any(criteria.values())
    filters: dict[str, str | None] = {
        "industry": criteria.get("industry") or None,
        "region": criteria.get("region") or None,
        "category": criteria.get("category") or None,
    }
    # Ranked by relevance when there are words to match (all matches are read), else one page from the database.
    words = criteria.get("q", "")
    results: Any = search_published(words, **filters) if words.split() else matching_published("", **filters)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "items": [(mc, category_labels(mc.issue_categories)) for mc in page.object_list],
        "total": page.paginator.count,
        "searching": searching,
        "query_string": query.urlencode(),
    }
    return render(request, "public/model_case_list.html", context)


def model_case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    model_case = get_object_or_404(published(), pk=pk)
    context = {"model_case": model_case, "categories": category_labels(model_case.issue_categories)}
    return render(request, "public/model_case_detail.html", context)


def feed_help(request: HttpRequest) -> HttpResponse:
    """What the feed is and the address to copy into a feed reader: the menu links here, not to raw XML."""
    context = {
        "feed_url": request.build_absolute_uri(reverse("public:model_case_feed")),
        "latest": list(published().select_related("region", "case")[:5]),
    }
    return render(request, "public/feed_help.html", context)


def _demo_prefix(model_case: ModelCase) -> str:
    return "【デモ（架空）】" if model_case.case.is_demo else ""


class ModelCaseFeed(Feed):  # type: ignore[type-arg]  # Feed is generic only in the stubs
    """The newest published model cases as Atom, for the regions' and support bodies' feed readers."""

    feed_type = Atom1Feed
    title = "地域知財活性化 モデル事例（ハンズオン支援）"
    subtitle = "特許庁のハンズオン支援から生まれたモデル的な事例の新着情報です。"
    language = "ja"

    def link(self) -> str:
        return reverse("public:model_case_list")

    def items(self) -> list[ModelCase]:
        return list(published()[:FEED_SIZE])

    def item_title(self, item: ModelCase) -> str:
        return f"{_demo_prefix(item)}{item.title}"

    def item_description(self, item: ModelCase) -> str:
        """Atom's summary is HTML: the plain text is escaped, its paragraphs kept."""
        return linebreaks(f"{item.region.name}・{item.industry}。\n{item.summary}", autoescape=True)

    def item_link(self, item: ModelCase) -> str:
        return reverse("public:model_case_detail", args=[item.pk])

    def item_pubdate(self, item: ModelCase) -> Any:
        return item.published_at

    def item_updateddate(self, item: ModelCase) -> Any:
        return item.updated_at

    def item_categories(self, item: ModelCase) -> list[str]:
        return category_labels(item.issue_categories)


model_case_feed = ModelCaseFeed()
