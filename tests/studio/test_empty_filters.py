"""A query-string filter left empty is no filter, on every list of the API: the same answer as
without it, never a 500 (an empty boolean filter, `?archived=` or `?shortlisted=`, was one)."""

import re

import pytest
from django.urls import reverse

from studio.enums import Role

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]


def filtered_lists(client) -> list[tuple[str, list[str]]]:
    """Each GET of the OpenAPI schema that takes query-string filters, with their names."""
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    found = []
    for path, operations in schema["paths"].items():
        names = [
            p["name"]
            for p in operations.get("get", {}).get("parameters", [])
            if p["in"] == "query" and p["name"] != "page"
        ]
        if names:
            found.append((path, names))
    return found


@pytest.mark.parametrize("who", ["director", "stylist", "talent"])
def test_every_filter_left_empty_is_no_filter(studio, login, who):
    world = studio.world
    user = {
        "director": world.user("brand-a", Role.CREATIVE_DIRECTOR),
        "stylist": world.user("brand-a", Role.STYLIST),
        "talent": world.talent_a.user,
    }[who]
    client = login(user)
    lists = filtered_lists(client)
    assert len(lists) >= 8  # garments, looks, campaigns, shots, jobs, renders, licenses, ...
    for path, names in lists:
        # A path's own id: the studio's campaign (the other ids answer 404 both ways).
        url = re.sub(r"\{[^}]+\}", str(studio.campaign.pk), path)
        plain = client.get(url)
        empty = client.get(url, {name: "" for name in names})
        assert empty.status_code == plain.status_code, (url, names, empty.content[:300])
        assert empty.json() == plain.json(), url
