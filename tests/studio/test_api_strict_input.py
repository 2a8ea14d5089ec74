"""A field a request does not take is a 400 that names it and changes nothing: a client that
sends one (a garment's SKU in a PATCH, a typo) believes it changed something."""

import importlib
import inspect
import re

import pytest
from django.urls import reverse
from rest_framework import serializers

from campaigns.models import Garment, Look
from studio.api.fields import StrictInput
from studio.enums import Role

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]


def serializer_classes():
    """Every serializer class of the API modules, nested ones (a view's InputSerializer) too."""
    modules = ("campaigns.api.views", "campaigns.api.production", "studio.api.views")
    modules += ("twins.api.licensing", "twins.api.views")
    found, todo = set(), [importlib.import_module(name) for name in modules]
    while todo:
        for _, value in inspect.getmembers(todo.pop()):
            if (
                inspect.isclass(value)
                and value not in found
                and value.__module__.split(".")[0] in ("studio", "twins", "campaigns")
            ):
                found.add(value)
                todo.append(value)
    return [c for c in found if issubclass(c, serializers.BaseSerializer)]


def request_components(schema):
    """The names of the schema's components that a request body holds, nested ones too."""
    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[1]
                if name not in names:
                    names.add(name)
                    walk(schema["components"]["schemas"][name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for methods in schema["paths"].values():
        for operation in methods.values():
            walk(operation.get("requestBody", {}))
    return names


def test_every_request_body_refuses_fields_it_does_not_take(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    by_name = {}
    for cls in serializer_classes():
        meta = getattr(cls, "Meta", None)
        by_name[getattr(meta, "ref_name", None) or re.sub("Serializer$", "", cls.__name__)] = cls
    bodies = {
        re.sub("^Patched", "", name).removesuffix("Request")
        for name in request_components(schema)
        if not schema["components"]["schemas"][name].get("enum")
    }
    bodies.discard("TalentDecisionInput")  # one of ReasonInput and TermsInput, both below
    assert len(bodies) >= 20
    lax = sorted(name for name in bodies if not issubclass(by_name[name], StrictInput))
    assert lax == []
    # And the schema says so, to generated clients, where no read-only field may come back.
    components = schema["components"]["schemas"]
    assert components["PatchedGarmentUpdateInputRequest"]["additionalProperties"] is False
    assert components["LookItemRequest"]["additionalProperties"] is False
    assert "additionalProperties" not in components["StandingTermsRequest"]


def test_a_garment_patch_naming_its_sku_is_refused_and_changes_nothing(world, login):
    garment = world.garment_a
    client = login(world.user("brand-a", Role.STYLIST))
    answer = client.patch(
        reverse("api-garment-detail", args=[garment.pk]),
        {"sku": "NEW-1", "name": "Renamed"},
        content_type="application/json",
    )
    assert answer.status_code == 400, answer.content
    assert list(answer.json()) == ["sku"]
    assert answer.json()["sku"][0].startswith("Unknown field; the fields are name, category,")
    garment.refresh_from_db()
    assert (garment.sku, garment.name) == (world.garment_a.sku, world.garment_a.name)
    # In a form body (as a PATCH with a packshot comes) and in a list's items alike.
    answer = client.patch(
        reverse("api-garment-detail", args=[garment.pk]),
        "nmae=Typo",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 400 and list(answer.json()) == ["nmae"]
    answer = client.post(
        reverse("api-look-list"),
        {"name": "L", "items": [{"garment": garment.pk, "slot": "top"}]},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert list(answer.json()["items"]["0"]) == ["slot"]
    assert not Look.objects.exists() and Garment.objects.get(pk=garment.pk).name != "Typo"


def test_what_a_get_answered_can_be_put_back(world, login):
    """Read-only fields of an answer are taken and ignored, so that GET, change, PUT works."""
    client = login(world.talent_a.user)
    address = reverse("api-talent-terms", args=[world.talent_a.pk])
    terms = client.get(address).json()
    assert "approve_every_output" in terms
    answer = client.put(
        address, {**terms, "excluded_categories": ["swimwear"]}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["excluded_categories"] == ["swimwear"]
    answer = client.put(address, {**terms, "excluded_brands": []}, content_type="application/json")
    assert answer.status_code == 400 and list(answer.json()) == ["excluded_brands"]


def test_a_list_refuses_a_filter_it_does_not_have(world, login):
    """A misspelled filter would answer the whole list, as if it had filtered it."""
    client = login(world.user("brand-a", Role.STYLIST))
    answer = client.get(reverse("api-garment-list"), {"categry": "shoes"})
    assert answer.status_code == 400, answer.content
    assert list(answer.json()) == ["categry"]
    assert answer.json()["categry"][0].startswith("Unknown filter; the filters are ")
    assert "category" in answer.json()["categry"][0]
    # Its own filters, the page and DRF's format are taken.
    answer = client.get(
        reverse("api-garment-list"), {"category": "top", "page": "1", "format": "json"}
    )
    assert answer.status_code == 200, answer.content
    assert [row["id"] for row in answer.json()["results"]] == [world.garment_a.pk]


def test_a_list_without_filters_refuses_one_too(world, login):
    client = login(world.talent_a.user)
    answer = client.get(reverse("api-twin-list"), {"talent": world.talent_b.pk})
    assert answer.status_code == 400
    assert answer.json() == {"talent": ["Unknown filter; this list has none."]}
    assert client.get(reverse("api-twin-list"), {"page": "1"}).status_code == 200
