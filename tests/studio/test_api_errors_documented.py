"""Every refusal the API answers with is in the OpenAPI schema, in the shape the schema gives:
a client generated from /api/schema/ knows each 4xx it can get and can read its body.

The test walks every operation of the schema, signed out, with ids that name nothing and with a
body that is not an object, and checks each answer against that operation's documented
responses."""

import base64
import json
from typing import Any

import jsonschema
import pytest
from django.test import Client
from django.urls import reverse

from studio.enums import Role
from tests.test_api_answers_as_documented import json_schema

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]


def operations(client: Client) -> tuple[dict[str, Any], list[tuple[str, str, dict[str, Any]]]]:
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    found = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(found) >= 60
    return schema, found


def assert_documented(schema, path, method, operation, response) -> None:
    status = str(response.status_code)
    where = f"{method.upper()} {path} answered {status}: {response.content[:200]!r}"
    assert status in operation["responses"], where
    body_schema = operation["responses"][status]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), json_schema(body_schema, schema))


def filled(path: str, operation: dict[str, Any], number: int) -> str:
    """``path`` with each id in it set to ``number`` (a UUID made of it, where the id is one)."""
    for param in operation.get("parameters", []):
        if param["in"] == "path":
            value = str(number)
            if param["schema"].get("format") == "uuid":
                value = f"{number:032d}"
                value = f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
            path = path.replace(f"{{{param['name']}}}", value)
    return path


def call(client: Client, method: str, url: str, operation: dict[str, Any], body: Any = None):
    """The request, in JSON where the operation takes it, else as an empty form (uploads)."""
    if method == "get":
        return client.get(url)
    takes = operation.get("requestBody", {}).get("content", {"application/json": {}})
    if "application/json" not in takes:
        return getattr(client, method)(url, {})
    return getattr(client, method)(url, body, content_type="application/json")


def test_signed_out_every_operation_answers_a_documented_403(client):
    schema, found = operations(client)
    for path, method, operation in found:
        response = call(client, method, filled(path, operation, 1), operation, {})
        assert response.status_code == 403, (method, path, response.status_code)
        assert_documented(schema, path, method, operation, response)
        assert response.json()["detail"]


def test_refused_basic_credentials_answer_a_documented_401_with_a_challenge(client):
    schema, found = operations(client)
    for number, (path, method, operation) in enumerate(found):
        # A username of its own each time: a sixth refusal of one would be a lockout (429).
        secret = base64.b64encode(f"nobody-{number}:wrong".encode()).decode()
        client.defaults["HTTP_AUTHORIZATION"] = f"Basic {secret}"
        response = call(client, method, filled(path, operation, 1), operation, {})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response["WWW-Authenticate"] == 'Basic realm="api"'
        assert_documented(schema, path, method, operation, response)


@pytest.mark.parametrize("who", ["director", "talent"])
def test_ids_that_name_nothing_and_bad_bodies_answer_documented_errors(world, login, who):
    user = {
        "director": world.user("brand-a", Role.CREATIVE_DIRECTOR),
        "talent": world.talent_a.user,
    }[who]
    client = login(user)
    schema, found = operations(client)
    statuses = set()
    for path, method, operation in found:
        url = filled(path, operation, 999999)
        answers = [call(client, method, url, operation, ["not", "an", "object"])]
        if method != "get":  # the same write on ids that name nothing, with an empty body
            answers.append(call(client, method, url, operation, {}))
        for response in answers:
            assert response.status_code < 500, (method, path, response.content[:300])
            if response.status_code >= 400:
                assert_documented(schema, path, method, operation, response)
                statuses.add(response.status_code)
    assert {400, 404} <= statuses


def test_a_conflict_and_a_field_error_answer_as_documented(world, login):
    """A 409 from a service and a 400 naming a field, read against the schema."""
    from tests.factories import GarmentFactory

    client = login(world.user("brand-a", Role.STYLIST))
    schema, found = operations(client)
    operation = next(
        op for path, method, op in found if (path, method) == ("/api/garments/", "post")
    )
    GarmentFactory(brand=world.brand_a, sku="SKU-1")
    taken = client.post("/api/garments/", {"sku": "SKU-1", "name": "Shirt", "category": "top"})
    assert taken.status_code == 409 and taken.json()["code"] == "conflict"
    assert_documented(schema, "/api/garments/", "post", operation, taken)
    nameless = client.post("/api/garments/", {"sku": "SKU-2", "category": "top"})
    assert nameless.status_code == 400 and "name" in nameless.json()
    assert_documented(schema, "/api/garments/", "post", operation, nameless)


def test_every_operation_documents_the_brand_header_and_the_lockout(client):
    _schema, found = operations(client)
    for path, method, operation in found:
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "X-Brand" in headers, (method, path)
        assert "429" in operation["responses"], (method, path)


def test_every_action_in_a_path_is_one_of_the_words_documented(world, login):
    """A generated client offers exactly the actions each address takes (the license tests show
    that a word outside them is a 404)."""
    client = login(world.user("brand-a", Role.BRAND_ADMIN))
    _schema, found = operations(client)
    actions = {
        path: set(
            next(p for p in operation["parameters"] if p["name"] == "action")["schema"]["enum"]
        )
        for path, _method, operation in found
        if "{action}" in path
    }
    assert actions == {
        "/api/licenses/{id}/{action}/": {"accept", "counter", "withdraw"},
        "/api/talent/licenses/{id}/{action}/": {"accept", "decline", "revoke", "counter"},
        "/api/twin-versions/{id}/{action}/": {"cancel", "retire"},
    }


@pytest.mark.parametrize("url", ["/api/garments/abc/", "/api/jobs/not-a-uuid/", "/api/nothing/"])
def test_an_api_address_that_names_nothing_answers_in_json(world, login, url):
    client = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    schema, _found = operations(client)
    response = client.get(url)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    jsonschema.validate(
        response.json(), json_schema({"$ref": "#/components/schemas/Error"}, schema)
    )
    page = client.get("/garments/abc/")  # the studio's pages keep their HTML page
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_failure_under_the_api_answers_in_json(rf):
    from studio.api.views import server_error

    response = server_error(rf.get("/api/campaigns/"))
    assert response.status_code == 500 and json.loads(response.content)["code"] == "server_error"
    assert server_error(rf.get("/campaigns/"))["Content-Type"].startswith("text/html")
