"""Suite-wide pytest set-up.

* evidence files go to a temporary folder, never to ``var/``, encrypted with a test key;
* static files are served by name (the production storage needs collectstatic's manifest);
* passwords hash fast: argon2 is the production hasher and is tested on its own;
* ``force_login`` signs in with the second factor done (see below);
* the translation catalogs are compiled (their .mo files are built, not committed).
"""

import pytest
from django.utils.functional import empty


def pytest_configure(config):
    from monitor.catalogs import compile_catalogs

    compile_catalogs()


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    from sources.models import evidence_storage
    from tests.keys import TEST_EVIDENCE_KEY

    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.EVIDENCE_KEY = TEST_EVIDENCE_KEY
    settings.EVIDENCE_RETIRED_KEYS = []
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


@pytest.fixture(autouse=True)
def _force_login_with_second_factor(monkeypatch):
    """``client.force_login(user)`` stands for a finished sign-in, second factor included.

    Django's ``force_login`` already skips the password; here it also skips the code: the
    user gets an authenticator device (made if missing) and the session is verified with
    it, as after a correct code. The two-factor tests themselves sign in through the real
    pages and endpoints, with real codes (tests/security/test_two_factor.py).
    """
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test device", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
