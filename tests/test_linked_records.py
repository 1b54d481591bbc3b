"""Linked records fail closed (issue 12): every prefetch of a link goes through the linked
model's own ``visible_to`` (``monitor.selectors.visible_prefetch`` or an app's selector), so
a hidden linked record reads as null whatever a page, viewset or admin asks for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cases.models import AllegationPerpetrator
from monitor.choices import Confidentiality
from monitor.selectors import visible_prefetch
from tests.factories import (
    AllegationFactory,
    AllegationPerpetratorFactory,
    CaseFactory,
    OrganizationFactory,
)

ROOT = Path(__file__).resolve().parent.parent
APPS = ("monitor", "sources", "people", "cases", "config")
#: Where a ``Prefetch`` may be built: the selectors that start from ``visible_to``.
SELECTORS = {"monitor/selectors.py", "people/selectors.py"}
BUILT = re.compile(r"\bPrefetch\(")


def test_no_prefetch_is_built_outside_the_selectors():
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative or relative in SELECTORS:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if BUILT.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == [], (
        "Prefetch a link with monitor.selectors.visible_prefetch (or people.selectors): it "
        "starts from the linked model's visible_to, so a hidden record reads as null.\n"
        + "\n".join(found)
    )


@pytest.mark.django_db
def test_a_hidden_linked_organisation_reads_as_null(team, monitor_off_team):
    case = CaseFactory(team=None, confidentiality=Confidentiality.INTERNAL)
    allegation = AllegationFactory(case=case)
    strict = OrganizationFactory(name="Unit 7", confidentiality=Confidentiality.STRICT)
    shown = OrganizationFactory(name="Khorog police", confidentiality=Confidentiality.PUBLIC)
    AllegationPerpetratorFactory(allegation=allegation, organization=strict)
    AllegationPerpetratorFactory(allegation=allegation, organization=shown)
    rows = AllegationPerpetrator.objects.visible_to(monitor_off_team).prefetch_related(
        visible_prefetch(AllegationPerpetrator, "organization", monitor_off_team)
    )
    seen = {row.organization.name if row.organization else None for row in rows}
    assert seen == {None, "Khorog police"}
