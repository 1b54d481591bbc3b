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
from django.utils.translation import gettext_lazy as _


class Precision(models.IntegerChoices):
    """How much of an approximate date is known."""

    YEAR = 1, _("year")
    MONTH = 2, _("month")
    DAY = 3, _("day")


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
# Russian month names (nominative, genitive, short) as spreadsheets from the region write
# them: "май 2023", "12 мая 2023", "сент. 2022"; Tajik names too.
_RU_MONTHS = (
    ("январь", "января", "янв"), ("февраль", "февраля", "фев", "февр"), ("март", "марта", "мар"),
    ("апрель", "апреля", "апр"), ("май", "мая"), ("июнь", "июня", "июн"),
    ("июль", "июля", "июл"), ("август", "августа", "авг"),
    ("сентябрь", "сентября", "сен", "сент"), ("октябрь", "октября", "окт"),
    ("ноябрь", "ноября", "ноя", "нояб"), ("декабрь", "декабря", "дек"),
)  # fmt: skip
_TG_MONTHS = (
    ("январ",), ("феврал",), ("март",), ("апрел",), ("май",), ("июн",), ("июл",),
    ("август",), ("сентябр",), ("октябр",), ("ноябр",), ("декабр",),
)  # fmt: skip
for _number, _names in enumerate(_RU_MONTHS, start=1):
    _MONTHS.update(dict.fromkeys(_names, _number))
for _number, _names in enumerate(_TG_MONTHS, start=1):
    _MONTHS.update(dict.fromkeys(_names, _number))
# Longest first: with "c" first, "circa 2021" would leave "irca 2021" behind.
_CIRCA = re.compile(
    r"^\s*(?:circa|ca\.?|c\.?|~|about|approx\.?|около|примерно|прибл\.?)\s*", re.IGNORECASE
)
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_WORDS = re.compile(r"^(?:(\d{1,2})\s+)?([^\W\d_]+)\.?,?\s+(\d{4})(?:\s*(?:г|года?)\.?)?$")
_WORDS_US = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
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
        raw = raw.strip()
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
            f"“{text}” is not a date Monitor understands. Use 2022-05-18, 2022-05, "
            "May 2022, 2022 or c. 2021."
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
            raise ValidationError(str(exc), code="invalid") from exc


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
            raise ValidationError(str(exc), code="invalid") from exc

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
            violation_error_message=_("The %(field)s has an inconsistent precision or range.")
            % {"field": name.replace("_", " ")},
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
