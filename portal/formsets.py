"""Formsets whose cost follows what was posted (U-4; issue 10: `lines-TOTAL_FORMS=100000`).

A bound formset builds `TOTAL_FORMS` forms (capped by `absolute_max`), whatever was posted: a
hostile count made a form with a product list per line render thousands of times. Here a bound
formset builds at most one form more than the rows actually posted (`prefix-N-…` fields), so a
request costs what its own body holds; the one more is the empty line *Add another product* asks for.
"""

from __future__ import annotations

import re

from django import forms


class BoundedFormSet(forms.BaseFormSet):
    def total_form_count(self) -> int:
        count = super().total_form_count()
        if not self.is_bound:
            return count
        return min(count, self._posted_rows() + 1)

    def _posted_rows(self) -> int:
        if not hasattr(self, "_posted_rows_cache"):
            row = re.compile(rf"^{re.escape(self.prefix)}-(\d+)-")
            indexes = [int(match[1]) for key in self.data if (match := row.match(key))]
            self._posted_rows_cache = max(indexes) + 1 if indexes else 0
        return self._posted_rows_cache
