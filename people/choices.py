from django.db import models
from django.utils.translation import gettext_lazy as _


class NameKind(models.TextChoices):
    OFFICIAL = "official", _("official name")
    TRANSLITERATION = "transliteration", _("transliteration")
    ALIAS = "alias", _("alias")
    PEN_NAME = "pen_name", _("pen name")
    PATRONYMIC_FORM = "patronymic_form", _("patronymic form")
    FORMER = "former", _("former name")


class Script(models.TextChoices):
    LATIN = "latin", _("Latin")
    CYRILLIC = "cyrillic", _("Cyrillic")
    ARABIC = "arabic", _("Perso-Arabic")
    OTHER = "other", _("other")


class Gender(models.TextChoices):
    UNKNOWN = "", _("not recorded")
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")


class OrganizationKind(models.TextChoices):
    SECURITY_FORCE = "security_force", _("security or law-enforcement force")
    COURT = "court", _("court")
    PROSECUTOR = "prosecutor", _("prosecutor's office")
    MINISTRY = "ministry", _("ministry or state body")
    GOVERNMENT = "government", _("government")
    UN_MANDATE = "un_mandate", _("UN mechanism or mandate")
    INTERGOVERNMENTAL = "intergovernmental", _("intergovernmental organisation")
    NGO = "ngo", _("non-governmental organisation")
    MEDIA = "media", _("media outlet")
    ARMED_GROUP = "armed_group", _("armed group")
    OTHER = "other", _("other")
