"""Registries a lower app offers and the apps built on it fill.

Dependencies run one way (``cases → people → sources → monitor``, ``docs/architecture.md``):
a lower app never imports, or looks up by name, an app above it. When a lower app's page or
workflow needs something only an upper app knows — the person page's "cases of this person",
the source page's "figures citing it", the review's citation model — the lower app declares a
registry here and the upper app fills it in its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Section:
    """A part of a detail page that an upper app adds.

    ``context(record, user=..., revealed=...)`` gives the template its ``section`` variable, or
    None when there is nothing to show; it reads through ``visible_to(user)`` like the page.
    ``slot`` says where on the page it goes (each page names its slots).
    """

    name: str
    template: str
    context: Callable[..., dict | None]
    slot: str


class DetailSections:
    """The sections upper apps add to one lower app's detail page, in registration order."""

    def __init__(self, page: str, *, slots: tuple[str, ...]):
        self.page = page
        self.slots = slots
        self._sections: dict[str, Section] = {}

    def register(self, name: str, *, template: str, context: Callable, slot: str) -> None:
        if slot not in self.slots:
            raise ImproperlyConfigured(
                f"The {self.page} page has no slot {slot!r} (it has {', '.join(self.slots)})."
            )
        # Registering again (a second ready(), a test) replaces the section, never doubles it.
        self._sections[name] = Section(name, template, context, slot)

    def __iter__(self):
        return iter(self._sections.values())

    def render(self, record, *, user, revealed: bool) -> dict[str, list[dict]]:
        """Per slot, the sections to include: ``{"template": ..., "section": {...}}``."""
        shown: dict[str, list[dict]] = {slot: [] for slot in self.slots}
        for section in self._sections.values():
            context = section.context(record, user=user, revealed=revealed)
            if context is not None:
                shown[section.slot].append({"template": section.template, "section": context})
        return shown


class ModelSlot:
    """A model the core works with but an upper app defines (the core cannot name it)."""

    def __init__(self, role: str):
        self.role = role
        self._model: type | None = None

    def provide(self, model: type) -> None:
        self._model = model

    def get(self) -> type:
        if self._model is None:
            raise ImproperlyConfigured(f"No app has provided {self.role}.")
        return self._model


#: The provenance link: a source supports a record (sources' ``Citation``). The review
#: (``monitor.admin.review``) lists citations under the claims they support.
CITATION_MODEL = ModelSlot("the citation model (the provenance link)")
