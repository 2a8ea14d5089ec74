import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.db.models.deletion import ProtectedError
from django.test import RequestFactory

from studio.models import AppendOnlyError, AuditEvent
from studio.services import audit_record
from tests.factories import BrandFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]


@pytest.fixture
def event():
    return audit_record(
        actor=UserFactory(username="alice"),
        verb="license.accepted",
        brand=BrandFactory(),
        payload={"fee": "1200.00"},
    )


def test_record_keeps_actor_verb_and_payload(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor.username, stored.verb, stored.payload) == (
        "alice",
        "license.accepted",
        {"fee": "1200.00"},
    )


def test_an_event_cannot_be_saved_again(event):
    event.verb = "license.declined"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).verb == "license.accepted"


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "attempt",
    [
        lambda qs: qs.update(verb="x"),
        lambda qs: qs.delete(),
        lambda qs: qs.bulk_update(list(qs), ["verb"]),
        lambda qs: qs.update_or_create(pk=qs.first().pk, defaults={"verb": "x"}),
    ],
    ids=["update", "delete", "bulk_update", "update_or_create"],
)
def test_querysets_refuse_changes(event, attempt):
    with pytest.raises(AppendOnlyError):
        attempt(AuditEvent.objects.all())
    assert AuditEvent.objects.get(pk=event.pk).verb == "license.accepted"


def test_deleting_what_an_event_points_to_is_refused(event):
    with pytest.raises(ProtectedError):
        event.actor.delete()
    with pytest.raises(ProtectedError):
        event.brand.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "sql", ["UPDATE studio_auditevent SET verb = 'x'", "DELETE FROM studio_auditevent"]
)
def test_raw_sql_is_refused_by_the_database(event, sql):
    if connection.vendor != "postgresql":
        pytest.skip("the database trigger is PostgreSQL's; SQLite is the development default")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).verb == "license.accepted"


def test_admin_offers_no_add_change_or_delete(event):
    admin = site._registry[AuditEvent]
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(username="root", is_staff=True, is_superuser=True)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, event)
    assert not admin.has_delete_permission(request, event)
    assert admin.get_actions(request) == {}
