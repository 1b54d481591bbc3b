"""Suite-wide pytest set-up.

* evidence files go to a temporary folder, never to ``var/``;
* static files are served by name (the production storage needs collectstatic's manifest);
* passwords hash fast: argon2 is the production hasher and is tested on its own.
"""

import pytest
from django.utils.functional import empty


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    from sources.models import evidence_storage

    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    evidence_storage._wrapped = empty  # built again on first use, under the new root
    yield
    evidence_storage._wrapped = empty


@pytest.fixture(autouse=True)
def _test_speed_and_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client speaks plain http; production redirects to https (tests/security).
    settings.SECURE_SSL_REDIRECT = False
