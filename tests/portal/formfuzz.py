"""The hostile-form fuzz: every HTML form of the portal, found by crawling the pages as each kind
of person, posted with hostile values. No answer may be a server error (U-4).

The forms are not listed by hand: the crawler signs in as each demo person, follows every link of
the site from the dashboard (skipping downloads), and collects each `<form method="post">` with
its fields and their default values. A new page with a new form is covered without touching this
file, as long as a link leads to it.
"""

from __future__ import annotations

import re
import traceback
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

SKIP_LINK = re.compile(r"(\.pdf|\.csv|/pdf/|/preview/|/admin/|/api/|/i18n/|/static/|/logout/|^mailto:|^#)")
LATER_ROW = re.compile(r"-(?!0-)\d+-")
MANAGEMENT = re.compile(r"-(TOTAL_FORMS|INITIAL_FORMS|MIN_NUM_FORMS|MAX_NUM_FORMS)$")
BIG = 10 * 1024 * 1024

# One value per kind of hostility; each is posted in every field of every form, and in each field
# alone with the other fields at their defaults (so the value reaches the services, not only the
# first field's validation).
HOSTILE = {
    "nul": "a\x00b",
    "crlf": "Name\r\nBcc: victim@example.test",
    "huge_number": "9" * 400,
    "markup": "<script>alert(1)</script>&amp;\"'",
    "long_text": "x" * 5000,
}


@dataclass
class Form:
    page: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        path = re.sub(r"/\d+/", "/<id>/", urlsplit(self.action).path)
        return path, tuple(sorted(self.fields)), tuple(sorted(name for name, _ in self.buttons))


class _PageParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page, a["href"]))
        elif tag == "form":
            method = a.get("method", "get").lower()
            self._form = Form(self.page, urljoin(self.page, a.get("action") or self.page)) if method == "post" \
                else None
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image"):
                self._form.buttons.append((a["name"], a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a or a["name"] not in self._form.fields:
                    self._form.fields[a["name"]] = a.get("value", "on") if "checked" in a else ""
            else:
                self._form.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name"):
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_first = a["name"], None
            self._form.fields.setdefault(a["name"], "")
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None and value:
                self._select_first = value
                self._form.fields[self._select] = value
            if "selected" in a:
                self._form.fields[self._select] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form.fields[a["name"]] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def crawl(client, start: list[str], *, limit: int = 120, on_page=None) -> tuple[list[Form], list[str]]:
    """Follow same-site links from `start` (at most `limit` pages); return the forms found and the
    pages that answered a server error. `on_page(path, response)` sees every HTML page."""
    seen, queue, forms, errors = set(), deque(start), {}, []
    while queue and len(seen) < limit:
        url = queue.popleft()
        path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        normal = re.sub(r"\d+", "N", urlsplit(url).path) + ("?" if urlsplit(url).query else "")
        if url in seen or normal in seen or SKIP_LINK.search(path) or urlsplit(url).netloc not in ("", "testserver"):
            continue
        seen.update((url, normal))
        response = client.get(path)
        if response.status_code >= 500:
            errors.append(f"GET {path} answered {response.status_code}")
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if on_page is not None:
            on_page(path, response)
        parser = _PageParser(f"http://testserver{path}")
        parser.feed(response.content.decode("utf-8", "replace"))
        queue.extend(parser.links)
        for form in parser.forms:
            forms.setdefault(form.key, form)
    return list(forms.values()), errors


def payloads(form: Form):
    """(label, body) pairs: each hostile value in every field (with each of the form's buttons);
    a NUL or a huge number in each field alone, the others at their defaults (with the button that
    submits, so the value reaches the service); management counts that are not numbers, far too
    big, or with far more lines posted than a form admits."""
    buttons = list(dict(form.buttons).items()) or [None]
    for button in buttons:
        extra = dict([button]) if button else {}
        for kind, value in HOSTILE.items():
            yield f"{extra} all={kind}", {**{name: value for name in form.fields if name != "csrfmiddlewaretoken"},
                                          **extra}
    submit = dict([next((b for b in buttons if b and b[0] == "submit"), buttons[-1])]) if buttons[0] else {}
    alone = [name for name in form.fields if name != "csrfmiddlewaretoken" and not LATER_ROW.search(name)]
    for index, name in enumerate(alone):  # a formset's later rows have row 0's fields: row 0 covers them
        kind = ("huge_number", "nul")[index % 2]  # every value type meets both across a form's fields
        yield f"{name}={kind}", {**form.fields, name: HOSTILE[kind], **submit}
    counts = [name for name in form.fields if MANAGEMENT.search(name)]
    if counts:
        for value in ("abc", "100000", "-1"):
            for button in {buttons[0], next((b for b in buttons if b and b[0] == "submit"), buttons[-1])}:
                yield f"{button} management={value}", {**form.fields, **{name: value for name in counts},
                                                       **(dict([button]) if button else {})}
        # Far more lines than a form admits, each filled in.
        prefix = MANAGEMENT.sub("", counts[0])
        many = {f"{prefix}-{i}-{k.split('-', 2)[2]}": "1" for i in range(200)
                for k in form.fields if k.startswith(f"{prefix}-0-")}
        yield "management=200 lines", {**form.fields, **many, f"{prefix}-TOTAL_FORMS": "200", **submit}


def post_raw(client, url: str, body: bytes, content_type="application/x-www-form-urlencoded"):
    return client.generic("POST", url, body, content_type=content_type)


def fuzz_form(client, form: Form) -> list[str]:
    """Post every payload; return the failures (a 5xx, or an exception escaping the view)."""
    path = urlsplit(form.action).path
    failures = []

    def attempt(label, call):
        try:
            response = call()
        except Exception as error:  # the test client re-raises what the view raised
            failures.append(f"POST {path} {label}: {type(error).__name__}: {error}\n"
                            + "".join(traceback.format_exception(error)[-3:]))
            return
        if response.status_code >= 500:
            failures.append(f"POST {path} {label}: answered {response.status_code}")

    for label, body in payloads(form):
        attempt(label, lambda body=body: client.post(path, body))
    # Bytes that are not UTF-8, and a 10 MB field.
    attempt("invalid utf-8", lambda: post_raw(client, path, b"&".join(
        f"{name}=".encode() + b"%ff%fe%00" for name in form.fields)))
    return failures


def big_field(client, path: str, name: str) -> int:
    return post_raw(client, path, f"{name}=".encode() + b"x" * BIG).status_code
