"""Approximate dates: a value, a precision (day, month, year) and an optional "circa".

Monitors rarely know the exact day: "arrested in May 2022", "born c. 1985". One building
block serves every dated model:

* :class:`ApproximateDate` is the value object: it parses what people type ("2022-05-18",
  "2022-05", "May 2022", "2022", "c. 2021"), prints "18 May 2022" / "May 2022" / "c. 2021",
  and knows the first and last day it may mean.
* :class:`ApproximateDateField` is the model field. ``date = ApproximateDateField()`` stores
  the first possible day in ``date`` and adds three companion columns: ``date_precision``,
  ``date_circa`` and ``date_end`` (the last possible day). Ordering by ``("date",
  "date_precision")`` sorts chronologically with the vaguer date first; :func:`overlaps`
  filters a range correctly ("May 2022" is inside 2022-05-10..2022-06-01).
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from monitor.lazytext import interpolated_lazy


class Precision(models.IntegerChoices):
    """How much of an approximate date is known."""

    YEAR = 1, _("year")
    MONTH = 2, _("month")
    DAY = 3, _("day")


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

#: Russian month names: nominative ("май 2022"), genitive ("18 мая 2022"), prepositional
#: ("в мае 2022"); Tajik ones, bare ("май 2022") and with the izofat ("моҳи майи 2022").
RU_MONTHS_NOMINATIVE = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
RU_MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
RU_MONTHS_PREPOSITIONAL = (
    "январе", "феврале", "марте", "апреле", "мае", "июне",
    "июле", "августе", "сентябре", "октябре", "ноябре", "декабре",
)  # fmt: skip
TG_MONTHS = (
    "январ", "феврал", "март", "апрел", "май", "июн",
    "июл", "август", "сентябр", "октябр", "ноябр", "декабр",
)  # fmt: skip
TG_MONTHS_IZOFAT = (
    "январи", "феврали", "марти", "апрели", "майи", "июни",
    "июли", "августи", "сентябри", "октябри", "ноябри", "декабри",
)  # fmt: skip
for _names in (
    RU_MONTHS_NOMINATIVE,
    RU_MONTHS_GENITIVE,
    RU_MONTHS_PREPOSITIONAL,
    TG_MONTHS,
    TG_MONTHS_IZOFAT,
):
    _MONTHS.update({name: number for number, name in enumerate(_names, start=1)})
# Russian abbreviations as people write them ("янв. 2022", "сент. 2021").
_MONTHS.update(
    {name[:3]: number for number, name in enumerate(RU_MONTHS_NOMINATIVE, start=1)}
    | {"сент": 9, "нояб": 11, "февр": 2, "июнь": 6, "июль": 7}
)

# Longest first: with "c" first, "circa 2021" would leave "irca 2021" behind. Russian: "ок.",
# "около", "примерно", "прим."; Tajik: "тақрибан", "тақр.".
_CIRCA = re.compile(
    r"^\s*(?:circa|ca\.?|c\.?|~|about|approx\.?|около|ок\.?|примерно|прим\.?|прибл\.?|тақрибан|тақр\.?)"
    r"(?![^\W\d_])\s*",  # a whole word: "октябрь" is not "ок." + "тябрь"
    re.IGNORECASE,
)
# Words that may stand before a month: "в мае 2022", "моҳи майи 2022".
_MONTH_PREFIX = re.compile(r"^(?:в|во|моҳи)\s+", re.IGNORECASE)
# A year may be followed by "г." / "года" (Russian) or "с." / "соли" (Tajik, before it).
_YEAR_SUFFIX = re.compile(r"\s*(?:г\.?|года?|году)\s*$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_WORDS = re.compile(r"^(?:(\d{1,2})\s+)?([^\W\d_]+)\.?,?\s+(?:соли\s+)?(\d{4})$")
_WORDS_US = re.compile(r"^([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_MY = re.compile(r"^(\d{1,2})[./](\d{4})$")


@dataclass(frozen=True)
class ApproximateDate:
    """A date known to the day, the month or the year, possibly only approximately."""

    year: int
    month: int | None = None
    day: int | None = None
    circa: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} is out of range")
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is out of range")
        if self.day is not None:
            datetime.date(self.year, self.month or 1, self.day)  # raises on 31 February

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_date(cls, value: datetime.date, precision: int = Precision.DAY, circa: bool = False):
        """Build from a stored first day and its precision."""
        precision = int(precision or Precision.DAY)
        if precision == Precision.YEAR:
            return cls(value.year, circa=circa)
        if precision == Precision.MONTH:
            return cls(value.year, value.month, circa=circa)
        return cls(value.year, value.month, value.day, circa=circa)

    @classmethod
    def parse(cls, text: str | datetime.date | ApproximateDate) -> ApproximateDate:
        """Parse what a person or a client typed.

        Accepts ISO forms ("2022-05-18", "2022-05", "2022"), words ("18 May 2022",
        "May 2022", "May 18, 2022"; in Russian "12 мая 2023", "май 2023"), "18.05.2022",
        "05.2022", and a circa prefix ("c. 2021", "circa 2021", "~2021", "около 2021").

        Raises:
            ValueError: with a message fit to show next to a form field.
        """
        if isinstance(text, ApproximateDate):
            return text
        if isinstance(text, datetime.datetime):
            text = text.date()
        if isinstance(text, datetime.date):
            return cls(text.year, text.month, text.day)
        raw = str(text).strip()
        circa = False
        match = _CIRCA.match(raw)
        if match and match.end() > 0:
            circa = True
            raw = raw[match.end() :]
        raw = _YEAR_SUFFIX.sub("", _MONTH_PREFIX.sub("", raw.strip())).strip()
        try:
            if m := _ISO.match(raw):
                year, month, day = m.groups()
                return cls(int(year), _int(month), _int(day), circa)
            if m := _WORDS.match(raw):
                day, month_name, year = m.groups()
                return cls(int(year), _month(month_name), _int(day), circa)
            if m := _WORDS_US.match(raw):
                month_name, day, year = m.groups()
                return cls(int(year), _month(month_name), int(day), circa)
            if m := _DMY.match(raw):
                day, month, year = m.groups()
                return cls(int(year), int(month), int(day), circa)
            if m := _MY.match(raw):
                month, year = m.groups()
                return cls(int(year), int(month), None, circa)
        except (ValueError, KeyError):
            pass
        raise ValueError(
            gettext(
                "“%(text)s” is not a date Monitor understands. Use 2022-05-18, 2022-05, "
                "May 2022, 2022 or c. 2021."
            )
            % {"text": text}
        )

    # -- facts ----------------------------------------------------------------------------

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    @property
    def start(self) -> datetime.date:
        """The first day this date may mean."""
        return datetime.date(self.year, self.month or 1, self.day or 1)

    @property
    def end(self) -> datetime.date:
        """The last day this date may mean."""
        if self.day is not None:
            return self.start
        if self.month is not None:
            return datetime.date(
                self.year, self.month, calendar.monthrange(self.year, self.month)[1]
            )
        return datetime.date(self.year, 12, 31)

    def sort_key(self) -> tuple[datetime.date, int]:
        return (self.start, int(self.precision))

    def __lt__(self, other: ApproximateDate) -> bool:
        return self.sort_key() < other.sort_key()

    def isoformat(self) -> str:
        """The machine form used by the API: "2022-05-18", "2022-05" or "2022"."""
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def as_input(self) -> str:
        """What a form shows for editing: parses back to the same value."""
        return ("c. " if self.circa else "") + self.isoformat()

    def __str__(self) -> str:
        """As people write it in the active interface language (see :meth:`display`)."""
        return self.display(translation.get_language() or "en")

    def display(self, language: str = "en") -> str:
        """ "18 May 2022", "May 2022", "c. 2021" in English; "18.05.2022", "май 2022",
        "ок. 2021" in Russian; "18.05.2022", "моҳи майи 2022", "тақр. 2021" in Tajik."""
        language = (language or "en").split("-")[0]
        if language in ("ru", "tg"):
            if self.day is not None:
                text = f"{self.day:02d}.{self.month:02d}.{self.year}"
            elif self.month is not None:
                if language == "ru":
                    text = f"{RU_MONTHS_NOMINATIVE[self.month - 1]} {self.year}"
                else:
                    text = f"моҳи {TG_MONTHS_IZOFAT[self.month - 1]} {self.year}"
            else:
                text = str(self.year)
            if self.circa:
                return ("ок. " if language == "ru" else "тақр. ") + text
            return text
        if self.day is not None:
            text = f"{self.day} {calendar.month_name[self.month or 1]} {self.year}"
        elif self.month is not None:
            text = f"{calendar.month_name[self.month]} {self.year}"
        else:
            text = str(self.year)
        return f"c. {text}" if self.circa else text


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _month(name: str) -> int:
    return _MONTHS[name.lower()]


class _StoredStart(datetime.date):
    """A first day read from the database: its companions are loaded beside it."""


class ApproximateDateDescriptor(DeferredAttribute):
    """Reads and writes the value and its companion columns as one ApproximateDate."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        start = super().__get__(instance, cls)
        if start is None:
            return None
        name = self.field.name
        data = instance.__dict__
        precision = data.get(f"{name}_precision") or Precision.DAY
        return ApproximateDate.from_date(start, precision, bool(data.get(f"{name}_circa")))

    def __set__(self, instance, value) -> None:
        name = self.field.name
        data = instance.__dict__
        if isinstance(value, _StoredStart):
            # Loaded from the database: the companion columns arrive on their own.
            data[self.field.attname] = datetime.date(value.year, value.month, value.day)
            return
        if value is None or value == "":
            data[self.field.attname] = None
            data[f"{name}_precision"] = None
            data[f"{name}_circa"] = False
            data[f"{name}_end"] = None
            return
        approx = ApproximateDate.parse(value)
        data[self.field.attname] = approx.start
        data[f"{name}_precision"] = int(approx.precision)
        data[f"{name}_circa"] = approx.circa
        data[f"{name}_end"] = approx.end


class ApproximateDateFormField(forms.CharField):
    """A text input that accepts "2022-05-18", "May 2022", "2022", "c. 2021"…"""

    default_error_messages = {"invalid": _("Enter a date such as 2022-05-18, May 2022 or c. 2021.")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("For example 2022-05-18, 18.05.2022, May 2022 or c. 2021."),
        )
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, ApproximateDate):
            return value.as_input()
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return ApproximateDate.parse(value)
        except ValueError as exc:
            # The input goes in as a parameter, never into the message itself: a "%" typed
            # by someone must not be read as a format directive by whoever renders it.
            raise ValidationError(
                _(
                    "“%(value)s” is not a date Monitor understands. Use 2022-05-18, 2022-05, "
                    "May 2022, 2022 or c. 2021."
                ),
                code="invalid",
                params={"value": value},
            ) from exc


class _Companion:
    """Mixin for the columns an ApproximateDateField adds: added once per model.

    The main field adds its companions when it joins a class; migrations and the history
    models also list them explicitly, so a companion that finds its name taken stands down.
    """

    def contribute_to_class(self, cls, name, **kwargs):
        if any(field.name == name for field in cls._meta.local_fields):
            return
        super().contribute_to_class(cls, name, **kwargs)


class ApproximatePrecisionField(_Companion, models.PositiveSmallIntegerField):
    pass


class ApproximateCircaField(_Companion, models.BooleanField):
    pass


class ApproximateEndField(_Companion, models.DateField):
    pass


class ApproximateDateField(models.DateField):
    """A model field holding an :class:`ApproximateDate` (see the module docstring)."""

    descriptor_class = ApproximateDateDescriptor
    description = _("Approximate date")

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        if cls._meta.abstract:
            return
        label = self.verbose_name or name
        companions = {
            f"{name}_precision": ApproximatePrecisionField(
                _("%(label)s precision") % {"label": label},
                choices=Precision.choices,
                null=True,
                blank=True,
                editable=False,
            ),
            f"{name}_circa": ApproximateCircaField(
                _("%(label)s is approximate") % {"label": label}, default=False, editable=False
            ),
            f"{name}_end": ApproximateEndField(
                _("%(label)s (last possible day)") % {"label": label},
                null=True,
                blank=True,
                editable=False,
            ),
        }
        for offset, (companion_name, field) in enumerate(companions.items()):
            # Companions sort just before the main field, so when a model is built from
            # keyword arguments their defaults are applied first and the main value,
            # which sets all of them, comes last.
            field.creation_counter = self.creation_counter - 0.75 + offset * 0.1
            if not any(f.name == companion_name for f in cls._meta.local_fields):
                cls.add_to_class(companion_name, field)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        if isinstance(value, datetime.datetime):
            value = value.date()
        return _StoredStart(value.year, value.month, value.day)

    def to_python(self, value):
        if value is None or value == "":
            return None
        try:
            return ApproximateDate.parse(value)
        except ValueError as exc:
            # The input goes in as a parameter, never into the message itself: a "%" typed
            # by someone must not be read as a format directive by whoever renders it.
            raise ValidationError(
                _(
                    "“%(value)s” is not a date Monitor understands. Use 2022-05-18, 2022-05, "
                    "May 2022, 2022 or c. 2021."
                ),
                code="invalid",
                params={"value": value},
            ) from exc

    def get_prep_value(self, value):
        if isinstance(value, ApproximateDate):
            return value.start
        if isinstance(value, str) and value:
            return ApproximateDate.parse(value).start
        if isinstance(value, datetime.datetime):
            return value.date()
        return value

    def pre_save(self, model_instance, add):
        # DateField.pre_save would apply auto_now; an approximate date is never automatic.
        return getattr(model_instance, self.attname)

    def value_to_string(self, obj) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else value.as_input()

    def formfield(self, **kwargs):
        return models.Field.formfield(self, form_class=ApproximateDateFormField, **kwargs)


def approximate_date_constraints(name: str) -> list[models.BaseConstraint]:
    """Database checks that keep an approximate date's columns consistent."""
    return [
        models.CheckConstraint(
            condition=(
                models.Q(**{f"{name}__isnull": True, f"{name}_precision__isnull": True})
                | models.Q(
                    # The isnull tests matter: a CHECK passes when it evaluates to NULL, so
                    # "precision IN (1, 2, 3)" alone would let a NULL precision through.
                    **{
                        f"{name}__isnull": False,
                        f"{name}_precision__isnull": False,
                        f"{name}_precision__in": [p.value for p in Precision],
                        f"{name}_end__isnull": False,
                        f"{name}_end__gte": models.F(name),
                    }
                )
            ),
            name=f"%(app_label)s_%(class)s_{name}_approx",
            violation_error_message=interpolated_lazy(
                _("The %(field)s has an inconsistent precision or range."),
                field=name.replace("_", " "),
            ),
        )
    ]


def overlaps(name: str, start: datetime.date | None, end: datetime.date | None) -> models.Q:
    """A filter for approximate dates that may fall within [start, end].

    "May 2022" overlaps 2022-05-10..2022-06-01; "2021" does not. Either bound may be None.
    """
    condition = models.Q()
    if end is not None:
        condition &= models.Q(**{f"{name}__lte": end})
    if start is not None:
        condition &= models.Q(**{f"{name}_end__gte": start})
    return condition
