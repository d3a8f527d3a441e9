"""Lists that help (U-1): sortable columns and one search box, the same on every list page.

    sort = list_sort(request, {"number": ("id",), "created": ("order_date", "created_at")}, default="-created")
    orders = sort.apply(orders)                      # ?sort=created or ?sort=-created; unknown keys: default
    {% sort_header sort "created" _("Created") %}    # a <th> whose link flips the direction

The search term is `?q=`, trimmed and capped (`list_search`); each selector decides what it matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, QueryDict

SEARCH_MAX = 100


@dataclass(frozen=True)
class ListSort:
    columns: dict[str, tuple[str, ...]]
    key: str
    descending: bool
    params: QueryDict

    def apply(self, queryset):
        """Ordered by the chosen column, then by id in the same direction (a stable page order)."""
        sign = "-" if self.descending else ""
        fields = [f"{sign}{field}" for field in self.columns[self.key]]
        return queryset.order_by(*fields, f"{sign}pk")

    def header(self, key: str) -> tuple[str, str]:
        """(the query string that sorts by `key`, the column's aria-sort value)."""
        params = self.params.copy()
        params.pop("page", None)
        current = key == self.key
        params["sort"] = f"-{key}" if current and not self.descending else key
        state = ("descending" if self.descending else "ascending") if current else "none"
        return params.urlencode(), state


def list_sort(request: HttpRequest, columns: dict[str, tuple[str, ...]], *, default: str) -> ListSort:
    asked = request.GET.get("sort", "") or default
    descending = asked.startswith("-")
    key = asked.lstrip("-")
    if key not in columns:
        key, descending = default.lstrip("-"), default.startswith("-")
    return ListSort(columns=columns, key=key, descending=descending, params=request.GET)


def list_search(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:SEARCH_MAX]


class UncountedPaginator(Paginator):
    """Pages of a list too long to count on every view (a ledger of a million lines): a page
    reads one row more than it shows to know whether there is a next one, and no total is
    claimed ("Page 3", not "Page 3 of …"). A page past the end is empty."""

    uncounted = True

    def get_page(self, number):
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        number = min(number, 10**9)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom:bottom + self.per_page + 1])
        return UncountedPage(rows[:self.per_page], number, self, more=len(rows) > self.per_page)


class UncountedPage(Page):
    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self):
        return self.more

    def has_previous(self):
        return self.number > 1

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1
