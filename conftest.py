"""Suite-wide pytest set-up: evidence files go to a temporary folder, never to var/."""

import pytest
from django.utils.functional import empty


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    from sources.models import evidence_storage

    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    evidence_storage._wrapped = empty  # built again on first use, under the new root
    yield
    evidence_storage._wrapped = empty
