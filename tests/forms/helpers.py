"""Read a page's form the way a browser would, to post it back with a few changes."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """Collects the successful controls of the form with ``action`` (or the first form)."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.done = False
        self.template_depth = 0
        self.fields: list[tuple[str, str]] = []
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self.template_depth += 1
        if self.template_depth or self.done:
            return
        if tag == "form" and not self.in_form:
            if self.form_id is None or attrs.get("id") == self.form_id:
                self.in_form = True
            return
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name and "disabled" not in attrs:
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
            self.select["options"].append(self.option)
        elif tag == "textarea" and name and "disabled" not in attrs:
            self.textarea = {"name": name, "text": ""}

    def handle_endtag(self, tag):
        if tag == "template":
            self.template_depth -= 1
            return
        if self.template_depth or not self.in_form:
            return
        if tag == "form":
            self.in_form, self.done = False, True
        elif tag == "option" and self.option is not None:
            if self.option["value"] is None:
                self.option["value"] = self.option["text"].strip()
            self.option = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and options and not self.select["multiple"]:
                chosen = options[:1]
            self.fields.extend((self.select["name"], o["value"]) for o in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"]
            self.fields.append((self.textarea["name"], text[1:] if text.startswith("\n") else text))
            self.textarea = None

    def handle_data(self, data):
        if self.template_depth:
            return
        if self.option is not None:
            self.option["text"] += data
        elif self.textarea is not None:
            self.textarea["text"] += data


def form_data(response, form_id: str | None = "record-form", **changes) -> dict:
    """The values a browser would send from the page's form, with ``changes`` applied.

    A change of ``None`` removes the field; a list sets a multiple choice.
    """
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    data: dict = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return data


def options(response, name: str) -> list[str]:
    """The option labels of the select ``name`` on the page (to check what is offered)."""

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.inside = False
            self.current = None
            self.labels: list[str] = []
            self.template_depth = 0

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "template":
                self.template_depth += 1
            if self.template_depth:
                return
            if tag == "select" and attrs.get("name") == name:
                self.inside = True
            elif tag == "option" and self.inside:
                self.current = ""

        def handle_endtag(self, tag):
            if tag == "template":
                self.template_depth -= 1
            elif tag == "select" and self.inside:
                self.inside = False
            elif tag == "option" and self.current is not None:
                self.labels.append(self.current.strip())
                self.current = None

        def handle_data(self, data):
            if self.current is not None:
                self.current += data

    reader = Reader()
    reader.feed(response.content.decode())
    return reader.labels
