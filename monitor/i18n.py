"""The interface language (issue 16): a user's saved choice, else the browser's.

``django.middleware.locale.LocaleMiddleware`` picks the language of a request from the
language cookie, else the browser's ``Accept-Language``; :class:`UserLanguageMiddleware`
then applies the language a signed-in user saved in their profile (``User.language``), so
the choice follows them from one browser to the next. The API keeps to what the client asks:
a request to ``/api/`` that sends ``Accept-Language`` is answered in that language.

:func:`set_language` is the switcher's target (every page's footer): it saves the choice in
the profile of a signed-in user, and in the language cookie for everyone.

Content is not translated: a record keeps the language it was written in (``Language``
fields on cases, allegations and sources); generated documents for the UN are written in
English whatever the interface language (``cases/documents``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

#: The interface languages' codes, in settings.LANGUAGES order.
INTERFACE_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


class UserLanguageMiddleware:
    """Activate the signed-in user's saved language (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self.saved_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)

    @staticmethod
    def saved_language(request) -> str:
        if request.path.startswith("/api/") and "HTTP_ACCEPT_LANGUAGE" in request.META:
            return ""  # an API client asks for its language on each request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        language = getattr(user, "language", "")
        return language if language in INTERFACE_LANGUAGES else ""


@login_not_required
@require_POST
def set_language(request):
    """Save the interface language chosen in the switcher, then go back where the user was."""
    language = request.POST.get("language", "")
    # Where to go back to; a visitor not signed in has only the sign-in page.
    home = "/" if request.user.is_authenticated else reverse("login")
    following = request.POST.get("next") or request.META.get("HTTP_REFERER") or home
    if not url_has_allowed_host_and_scheme(
        following, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        following = home
    response = HttpResponseRedirect(following)
    if language not in INTERFACE_LANGUAGES:
        return response
    user = request.user
    if user.is_authenticated and user.language != language:
        user.language = language
        user._change_reason = "Interface language chosen"
        user.save(update_fields=["language"])
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def language_context(request) -> dict:
    """The switcher's choices, for base.html (a template context processor)."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "interface_languages": [
            {"code": code, "name": name, "current": code == current.split("-")[0]}
            for code, name in settings.LANGUAGES
        ],
    }
