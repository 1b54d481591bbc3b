"""Approximate dates: what people type, what they read, how they sort and filter."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from cases.models import Allegation
from monitor.approxdate import ApproximateDate, ApproximateDateFormField, Precision, overlaps
from tests.factories import AllegationFactory, CaseFactory, EventFactory

D = datetime.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-05-18", ApproximateDate(2022, 5, 18)),
        ("2022-05", ApproximateDate(2022, 5)),
        ("May 2022", ApproximateDate(2022, 5)),
        ("may 2022", ApproximateDate(2022, 5)),
        ("Sept 2022", ApproximateDate(2022, 9)),
        ("18 May 2022", ApproximateDate(2022, 5, 18)),
        ("May 18, 2022", ApproximateDate(2022, 5, 18)),
        ("18.05.2022", ApproximateDate(2022, 5, 18)),
        ("2022", ApproximateDate(2022)),
        ("  2022 ", ApproximateDate(2022)),
        ("c. 2021", ApproximateDate(2021, circa=True)),
        ("circa 2021", ApproximateDate(2021, circa=True)),
        ("~2021", ApproximateDate(2021, circa=True)),
        ("c. May 2022", ApproximateDate(2022, 5, circa=True)),
        ("ca. 18 May 2022", ApproximateDate(2022, 5, 18, circa=True)),
    ],
)
def test_parse_accepts_what_monitors_type(text, expected):
    parsed = ApproximateDate.parse(text)
    assert parsed == expected
    assert parsed.circa is expected.circa


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.05.2023", ApproximateDate(2023, 5, 12)),
        ("май 2023", ApproximateDate(2023, 5)),
        ("Мая 2023 г.", ApproximateDate(2023, 5)),
        ("12 мая 2023", ApproximateDate(2023, 5, 12)),
        ("3 июня 2023 года", ApproximateDate(2023, 6, 3)),
        ("сент. 2022", ApproximateDate(2022, 9)),
        ("05.2023", ApproximateDate(2023, 5)),
        ("около 2021", ApproximateDate(2021, circa=True)),
        ("2022", ApproximateDate(2022)),
    ],
)
def test_parse_reads_the_forms_of_russian_spreadsheets(text, expected):
    """Spreadsheets from the region write dates in Russian (issue 21's imports)."""
    assert ApproximateDate.parse(text) == expected


def test_parse_of_a_plain_date_is_exact_to_the_day():
    assert ApproximateDate.parse(D(2022, 5, 18)) == ApproximateDate(2022, 5, 18)
    assert ApproximateDate.parse(datetime.datetime(2022, 5, 18, 9, 30)).precision == Precision.DAY


@pytest.mark.parametrize(
    "text", ["31 February 2022", "2022-02-30", "2022-13", "13/13/2022", "soon", "", "May", "c."]
)
def test_parse_refuses_impossible_or_unreadable_dates_with_a_hint(text):
    with pytest.raises(ValueError, match="is not a date Monitor understands") as excinfo:
        ApproximateDate.parse(text)
    # The message shows the forms that do work, so the person can correct the entry.
    assert "May 2022" in str(excinfo.value)
    assert "c. 2021" in str(excinfo.value)


def test_constructor_refuses_a_day_without_a_month():
    with pytest.raises(ValueError, match="a day needs a month"):
        ApproximateDate(2022, None, 5)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (ApproximateDate(2022, 5), "May 2022"),
        (ApproximateDate(2021, circa=True), "c. 2021"),
        (ApproximateDate(2022, 5, 18), "18 May 2022"),
        (ApproximateDate(2022), "2022"),
        (ApproximateDate(2022, 5, 3, circa=True), "c. 3 May 2022"),
    ],
)
def test_display_reads_as_people_write_dates(value, shown):
    assert str(value) == shown


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        (ApproximateDate(2022, 5, 8), "2022-05-08"),
        (ApproximateDate(2022, 5), "2022-05"),
        (ApproximateDate(2022, circa=True), "2022"),
    ],
)
def test_isoformat_keeps_only_the_known_precision(value, iso):
    assert value.isoformat() == iso


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2022-05-18", D(2022, 5, 18), D(2022, 5, 18)),
        ("May 2022", D(2022, 5, 1), D(2022, 5, 31)),
        ("February 2024", D(2024, 2, 1), D(2024, 2, 29)),
        ("February 2023", D(2023, 2, 1), D(2023, 2, 28)),
        ("2021", D(2021, 1, 1), D(2021, 12, 31)),
        ("c. 2021", D(2021, 1, 1), D(2021, 12, 31)),
    ],
)
def test_start_and_end_are_the_first_and_last_day_a_date_may_mean(text, start, end):
    value = ApproximateDate.parse(text)
    assert (value.start, value.end) == (start, end)


def test_python_sort_puts_the_vaguer_date_first_then_chronological():
    values = [ApproximateDate.parse(t) for t in ["June 2022", "18 May 2022", "May 2022", "2021"]]
    assert [str(v) for v in sorted(values)] == ["2021", "May 2022", "18 May 2022", "June 2022"]


@pytest.mark.django_db
def test_database_order_by_date_and_precision_is_chronological_vaguer_first():
    case = CaseFactory()
    for text in ["June 2022", "18 May 2022", "2021", "May 2022"]:
        AllegationFactory(case=case, date=text)
    ordered = Allegation.objects.filter(case=case).order_by("date", "date_precision")
    assert [str(a.date) for a in ordered] == ["2021", "May 2022", "18 May 2022", "June 2022"]


@pytest.mark.django_db
def test_overlaps_finds_vague_dates_that_may_fall_in_the_range():
    case = CaseFactory()
    may = AllegationFactory(case=case, date="May 2022")
    day_inside = AllegationFactory(case=case, date="2022-05-20")
    AllegationFactory(case=case, date="2021")
    AllegationFactory(case=case, date="2022-06-02")
    AllegationFactory(case=case, date="2022-05-09")

    found = Allegation.objects.filter(overlaps("date", D(2022, 5, 10), D(2022, 6, 1)))

    assert set(found) == {may, day_inside}


@pytest.mark.django_db
def test_overlaps_with_an_open_bound():
    case = CaseFactory()
    AllegationFactory(case=case, date="2021")
    later = AllegationFactory(case=case, date="c. 2023")
    assert list(Allegation.objects.filter(overlaps("date", D(2022, 1, 1), None))) == [later]
    assert Allegation.objects.filter(overlaps("date", None, D(2021, 6, 1))).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["c. 2021", "May 2022", "18 May 2022", "2019"])
def test_database_round_trip_keeps_precision_and_circa(text):
    saved = AllegationFactory(date=text)
    fresh = Allegation.objects.get(pk=saved.pk)
    assert fresh.date == ApproximateDate.parse(text)
    assert fresh.date.circa == ApproximateDate.parse(text).circa
    assert str(fresh.date) == str(ApproximateDate.parse(text))
    assert fresh.date_end == ApproximateDate.parse(text).end


@pytest.mark.django_db
def test_clearing_a_date_clears_its_companion_columns():
    allegation = AllegationFactory(date="c. 2021")
    allegation.date = None
    allegation.save()
    fresh = Allegation.objects.get(pk=allegation.pk)
    assert fresh.date is None
    assert (fresh.date_precision, fresh.date_circa, fresh.date_end) == (None, False, None)


@pytest.mark.django_db
def test_event_dates_are_stored_with_their_last_possible_day():
    event = EventFactory(start="May 2022", end="c. 2023")
    assert (event.start_end, event.end_end) == (D(2022, 5, 31), D(2023, 12, 31))
    assert event.end.circa


def _approximate_dates(min_year=1):
    def build(year, month, day, circa, precision):
        if precision == Precision.YEAR:
            return ApproximateDate(year, circa=circa)
        if precision == Precision.MONTH:
            return ApproximateDate(year, month, circa=circa)
        return ApproximateDate(year, month, day, circa=circa)

    return st.builds(
        build,
        year=st.integers(min_year, 9999),
        month=st.integers(1, 12),
        day=st.integers(1, 28),
        circa=st.booleans(),
        precision=st.sampled_from(list(Precision)),
    )


@given(_approximate_dates())
def test_any_date_parses_back_from_its_input_form_and_starts_before_it_ends(value):
    assert ApproximateDate.parse(value.as_input()) == value
    assert value.start <= value.end


# What people read is also what they may paste back into a form. Years before 1000 are
# displayed unpadded ("999") and are not expected in any record, so they are left out.
@given(_approximate_dates(min_year=1000))
def test_any_date_parses_back_from_its_display(value):
    assert ApproximateDate.parse(str(value)) == value


@given(st.dates(min_value=D(1000, 1, 1), max_value=D(9999, 12, 31)))
def test_any_calendar_day_round_trips_through_its_display(day):
    value = ApproximateDate.parse(day)
    assert ApproximateDate.parse(str(value)) == value
    assert value.start == value.end == day


class _AllegationDateForm(forms.ModelForm):
    class Meta:
        model = Allegation
        fields = ["date"]


def test_model_form_uses_the_approximate_date_field_and_accepts_circa():
    form = _AllegationDateForm(data={"date": "c. 2021"})
    assert isinstance(form.fields["date"], ApproximateDateFormField)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date"] == ApproximateDate(2021, circa=True)


def test_model_form_refuses_an_impossible_date_with_the_hint():
    form = _AllegationDateForm(data={"date": "31 February 2022"})
    assert not form.is_valid()
    assert "is not a date Monitor understands" in form.errors["date"][0]


def test_form_field_shows_a_stored_date_in_a_form_that_parses_back():
    field = ApproximateDateFormField()
    assert field.prepare_value(ApproximateDate(2021, circa=True)) == "c. 2021"
    assert field.clean("c. 2021") == ApproximateDate(2021, circa=True)
    assert ApproximateDateFormField(required=False).clean("") is None
