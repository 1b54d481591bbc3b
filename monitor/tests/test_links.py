"""``url_of``: the address ``{% url %}`` gives, for pages that link to many records."""

import uuid

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from monitor.templatetags.links import url_of


@pytest.mark.parametrize("name", ["person-detail", "source-detail", "case-detail"])
def test_url_of_is_the_address_reverse_gives(name):
    pk = uuid.uuid4()
    assert url_of(pk, name) == reverse(name, kwargs={"pk": pk})
    assert url_of(str(pk), name) == reverse(name, kwargs={"pk": pk})


def test_url_of_follows_the_script_prefix():
    pk = uuid.uuid4()
    plain = url_of(pk, "person-detail")
    try:
        set_script_prefix("/monitor/")
        assert url_of(pk, "person-detail") == reverse("person-detail", kwargs={"pk": pk})
        assert url_of(pk, "person-detail") == "/monitor" + plain
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("pk", ["not-an-id", "", None, "E2572551-3E7B-4AA5-985C-6E4C465B034B"])
def test_url_of_refuses_what_the_route_refuses(pk):
    with pytest.raises(NoReverseMatch):
        url_of(pk, "person-detail")
    with pytest.raises(NoReverseMatch):
        reverse("person-detail", kwargs={"pk": pk})


def test_url_of_in_a_template_writes_what_the_url_tag_writes():
    pk = uuid.uuid4()
    context = Context({"pk": pk})
    filtered = Template('{% load links %}<a href="{{ pk|url_of:"case-detail" }}">').render(context)
    tagged = Template("<a href=\"{% url 'case-detail' pk=pk %}\">").render(context)
    assert filtered == tagged
