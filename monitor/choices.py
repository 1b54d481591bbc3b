"""Fixed sets shared by every app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Confidentiality(models.IntegerChoices):
    """How widely a record may be seen; ordered, so a clearance compares with ``<=``."""

    PUBLIC = 10, _("public")
    INTERNAL = 20, _("internal")
    CONFIDENTIAL = 30, _("confidential")
    STRICT = 40, _("strict")


class ReviewState(models.TextChoices):
    """Where a record stands in the four-eyes review."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    VERIFIED = "verified", _("verified")
    RETURNED = "returned", _("returned")


class ContentLanguage(models.TextChoices):
    """The language a record's own text (a title, a summary) is written in.

    Content is never translated: a case written in Russian stays in Russian whatever the
    interface language; this says which language it is (issue 16).
    """

    RUSSIAN = "ru", _("Russian")
    TAJIK = "tg", _("Tajik")
    ENGLISH = "en", _("English")
    UZBEK = "uz", _("Uzbek")
    OTHER = "other", _("another language")


def default_content_language() -> str:
    """The interface language the record is written in, else Russian (the monitors' usual)."""
    from django.utils import translation

    language = (translation.get_language() or "").split("-")[0]
    return language if language in ContentLanguage.values else ContentLanguage.RUSSIAN


class Role(models.TextChoices):
    """The role groups; each is a Django group with model permissions."""

    MONITOR = "Monitor", _("Monitor")
    REVIEWER = "Reviewer", _("Reviewer")
    COORDINATOR = "Coordinator", _("Coordinator")
    VIEWER = "Viewer", _("Viewer")


class Vocabulary(models.TextChoices):
    """The controlled vocabularies kept as Term trees."""

    VIOLATION_TYPE = "violation_type", _("violation types")
    DETENTION_STEP_KIND = "detention_step_kind", _("detention step kinds")
    # Facility types at the top of the tree, the facilities themselves beneath them.
    FACILITY = "facility", _("detention facilities and their types")
    SOURCE_KIND = "source_kind", _("source kinds")
    RESPONSE_KIND = "response_kind", _("response kinds")
    UN_COMMUNICATION_TYPE = "un_communication_type", _("UN communication types")
    UN_MANDATE = "un_mandate", _("UN special-procedures mandates")
    EVENT_TYPE = "event_type", _("event types")
    CRIMINAL_ARTICLE = "criminal_article", _("criminal-code articles")
    ADMINISTRATIVE_ARTICLE = "administrative_article", _("administrative-code articles")
    TAG = "tag", _("tags")
