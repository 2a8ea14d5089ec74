"""Every GET of the API answers as its OpenAPI schema says, on the demo studio, for every kind of
demo login: each body validates against the documented response, and the schema types every
field it returns, so a client generated from /api/schema/ can rely on it.

The ids in the paths come from the lists the same login sees."""

import re
from io import StringIO
from typing import Any

import jsonschema
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGINS = [
    "aurel-admin",
    "aurel-director",
    "aurel-stylist",
    "aurel-social",
    "nordlys-director",
    "northstar-booker",
    "ines",
    "diego",
]
# Where a path's id comes from, when it is not the list the path starts with.
ID_SOURCES = {"/api/twin-versions/": "/api/twins/{id}/versions/"}
FREE_FORM = {  # fields that hold what a backend or an audit event chose to record
    ("AuditEventOutput", "payload"),
    ("JobOutput", "params"),
    ("RenderOutput", "meta"),
    ("TwinVersionOutput", "params"),
    ("TwinVersionOutput", "annotations"),
}


def json_schema(node: Any, schema: dict[str, Any]) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: each ``$ref`` replaced by its component, and
    ``nullable`` as a null type."""
    if isinstance(node, list):
        return [json_schema(value, schema) for value in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return json_schema(schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]], schema)
    out = {key: json_schema(value, schema) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


class Walk:
    def __init__(self, client: Client, schema: dict[str, Any]) -> None:
        self.client, self.schema = client, schema
        self.bodies: dict[str, Any] = {}

    def get(self, path: str) -> Any:
        """The answer to GET ``path`` (ids filled in), checked against the schema; None where
        the login may not see it or there is nothing to name."""
        if path in self.bodies:
            return self.bodies[path]
        url = path
        if "{" in path:
            source = ID_SOURCES.get(path.split("{")[0], path.split("{")[0])
            listed = self.get(source)
            items = listed.get("results", []) if isinstance(listed, dict) else listed or []
            if not items:
                self.bodies[path] = None
                return None
            url = re.sub(r"\{[^}]+\}", str(items[0]["id"]), path)
        body = self.checked("get", path, url, self.client.get(url))
        self.bodies[path] = body
        return body

    def checked(self, method: str, path: str, url: str, response: Any) -> Any:
        """The body of ``response``, after checking that the schema documents its status and
        that it has the documented shape; None for a refusal."""
        operation = self.schema["paths"][path][method]
        status = str(response.status_code)
        assert status in operation["responses"], (method, url, status, response.content[:300])
        documented = operation["responses"][status]["content"]["application/json"]["schema"]
        try:
            jsonschema.validate(response.json(), json_schema(documented, self.schema))
        except jsonschema.ValidationError as exc:
            raise AssertionError(
                f"{method.upper()} {url} ({status}): {exc.message} at {exc.json_path}"
            ) from exc
        return response.json() if response.status_code < 300 else None


def test_every_get_answers_as_documented_to_every_demo_login(client, media_files):
    call_command("seed_demo", stdout=StringIO())
    for username in LOGINS:
        client.force_login(get_user_model().objects.get(username=username))
        schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
        walk = Walk(client, schema)
        paths = [path for path, methods in schema["paths"].items() if "get" in methods]
        for path in paths:
            walk.get(path)
        seen = [path for path in paths if walk.bodies[path]]
        assert len(seen) >= 5, (username, seen)  # every login sees something with data in it
        if username == "aurel-director":  # a write that answers with a body: the shortlist
            render = walk.bodies["/api/renders/"]["results"][0]["id"]
            path, url = "/api/renders/{id}/shortlist/", f"/api/renders/{render}/shortlist/"
            assert walk.checked("put", path, url, client.put(url))["shortlisted"] is True
            assert walk.checked("delete", path, url, client.delete(url))["shortlisted"] is False


def shapeless(node: dict[str, Any]) -> bool:
    """Says nothing of what it holds: no type, or an object with no properties nor values."""
    if any(key in node for key in ("$ref", "allOf", "oneOf", "anyOf", "enum", "properties")):
        return False
    if node.get("type") == "object":
        return not node.get("additionalProperties")
    return node.get("type") is None


def test_every_field_an_answer_has_is_typed(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    untyped = []
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):  # what a client sends: described by the input checks
            continue
        for field, spec in component.get("properties", {}).items():
            if (name, field) in FREE_FORM:
                assert spec.get("type") == "object", (name, field)
                continue
            node = spec.get("items", spec) if spec.get("type") == "array" else spec
            if shapeless(node):
                untyped.append(f"{name}.{field}")
    assert not untyped, untyped
