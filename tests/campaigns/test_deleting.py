"""Deleting a look or a garment: only while nothing made of it depends on it (a shot keeps its
look, a look its garments), by page and by API, never for another brand or a role that may not
change them; and never in the middle of a matrix queued with the look or a look saved with the
garment."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from campaigns.models import Garment, Look, RenderJob, Shot
from campaigns.services import (
    LookItemInput,
    garment_delete,
    look_delete,
    look_save,
    matrix_queue,
)
from studio.enums import Role
from studio.errors import NotFound
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.factories import GarmentFactory
from tests.races import race, started, waiting
from tests.worker import broker_empty

pytestmark = pytest.mark.django_db


@pytest.fixture
def spare_look(studio):
    """A look no shot uses, wearing a garment of its own and the studio look's top."""
    belt = GarmentFactory(brand=studio.world.brand_a, category="accessory", name="Belt", sku="BT-1")
    top = studio.look.items.get().garment
    return look_save(
        actor=studio.director,
        name="Spare",
        items=[LookItemInput(top.pk), LookItemInput(belt.pk)],
    )


def test_a_look_in_no_shot_is_deleted_and_one_in_a_shot_stays(
    studio, login, spare_look, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    stylist = login(studio.world.user("brand-a", Role.STYLIST))
    used = stylist.get(reverse("look-detail", args=[studio.look.pk])).content.decode()
    assert "In 1 shot of campaigns: the look stays." in used
    assert reverse("look-delete", args=[studio.look.pk]) not in used
    refused = stylist.post(reverse("look-delete", args=[studio.look.pk]), follow=True)
    assert "The look Look A stays: it is in 1 shot of campaigns." in refused.content.decode()
    assert Look.objects.filter(pk=studio.look.pk).exists()

    detail = stylist.get(reverse("look-detail", args=[spare_look.pk])).content.decode()
    assert reverse("look-delete", args=[spare_look.pk]) in detail
    response = stylist.post(reverse("look-delete", args=[spare_look.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("look-list")
    assert "The look Spare is deleted." in response.content.decode()
    assert not Look.objects.filter(pk=spare_look.pk).exists()
    assert Garment.objects.filter(sku="BT-1").exists()  # its garments stay
    event = AuditEvent.objects.get(verb="look.deleted")
    assert event.payload["name"] == "Spare" and sorted(event.payload["garments"]) == sorted(
        ["BT-1", studio.look.items.get().garment.sku]
    )


def test_a_garment_worn_in_no_look_is_deleted_and_one_worn_stays(studio, login, spare_look):
    loose = GarmentFactory(brand=studio.world.brand_a, category="shoes", name="Loafer", sku="LF-1")
    belt = Garment.objects.get(sku="BT-1")
    stylist = login(studio.world.user("brand-a", Role.STYLIST))
    worn = stylist.get(reverse("garment-detail", args=[belt.pk])).content.decode()
    assert "Worn in 1 look" in worn and reverse("garment-delete", args=[belt.pk]) not in worn
    refused = stylist.post(reverse("garment-delete", args=[belt.pk]), follow=True)
    assert "Belt is worn in 1 look: take it out of it first." in refused.content.decode()

    page = stylist.get(reverse("garment-detail", args=[loose.pk])).content.decode()
    assert reverse("garment-delete", args=[loose.pk]) in page
    response = stylist.post(reverse("garment-delete", args=[loose.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("garment-list")
    assert "Loafer is deleted from the catalogue." in response.content.decode()
    assert (
        not Garment.objects.filter(pk=loose.pk).exists()
        and Garment.objects.filter(pk=belt.pk).exists()
    )
    assert AuditEvent.objects.get(verb="garment.deleted").payload == {
        "sku": "LF-1",
        "name": "Loafer",
    }


def test_the_api_deletes_and_says_why_it_cannot(studio, client, spare_look):
    client.force_login(studio.world.user("brand-a", Role.STYLIST))
    belt = Garment.objects.get(sku="BT-1")
    garment_url = reverse("api-garment-detail", args=[belt.pk])
    response = client.delete(garment_url)
    assert response.status_code == 409
    assert response.json()["detail"] == "Belt is worn in 1 look: take it out of it first."
    assert client.delete(reverse("api-look-detail", args=[spare_look.pk])).status_code == 204
    assert client.delete(reverse("api-look-detail", args=[spare_look.pk])).status_code == 404
    assert client.delete(garment_url).status_code == 204  # no look wears it now
    assert not Garment.objects.filter(pk=belt.pk).exists()


def test_other_roles_and_brands_delete_nothing(studio, login, spare_look):
    belt = Garment.objects.get(sku="BT-1")
    addresses = {
        "look": (
            reverse("look-delete", args=[spare_look.pk]),
            reverse("api-look-detail", args=[spare_look.pk]),
        ),
        "garment": (
            reverse("garment-delete", args=[belt.pk]),
            reverse("api-garment-detail", args=[belt.pk]),
        ),
    }
    for brand, role, expected in (
        ("brand-a", Role.SOCIAL_TEAM, (404, 403)),
        ("brand-b", Role.STYLIST, (404, 404)),
        ("brand-b", Role.BRAND_ADMIN, (404, 404)),
    ):
        client = login(studio.world.user(brand, role))
        for page, api in addresses.values():
            assert (client.post(page).status_code, client.delete(api).status_code) == expected
    # The services themselves, whoever calls them: a rival stylist may delete garments and
    # looks, but not ours.
    rival = actor_for(studio.world.user("brand-b", Role.STYLIST))
    with pytest.raises(NotFound, match="No such look"):
        look_delete(actor=rival, look=spare_look)
    with pytest.raises(NotFound, match="No such garment"):
        garment_delete(actor=rival, garment=belt)
    assert (
        Look.objects.filter(pk=spare_look.pk).exists()
        and Garment.objects.filter(pk=belt.pk).exists()
    )
    assert not AuditEvent.objects.filter(verb__endswith=".deleted").exists()


@pytest.mark.django_db(transaction=True)
def test_a_look_deleted_while_queued_and_a_garment_deleted_while_worn_are_one_or_the_other(
    studio,
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    queued, deleted = race(
        lambda: matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec()),
        lambda: look_delete(actor=studio.director, look=studio.look),
    )
    if queued == "done":
        assert deleted == "The look Look A stays: it is in 1 shot of campaigns."
        assert Shot.objects.get().look_id == studio.look.pk
    else:
        assert (queued, deleted) == (f"No such look in your brand: {studio.look.pk}.", "done")
        assert not Shot.objects.exists()
    broker_empty("gpu")  # no worker is to take these messages later

    stylist = actor_for(studio.world.user("brand-a", Role.STYLIST), "brand-a")
    shoe = GarmentFactory(brand=studio.world.brand_a, category="shoes", name="Mule", sku="MU-1")
    top = Garment.objects.filter(brand=studio.world.brand_a, category="top").first()
    saved, gone = race(
        lambda: look_save(
            actor=studio.director,
            name="Mules",
            items=[LookItemInput(top.pk), LookItemInput(shoe.pk)],
        ),
        lambda: garment_delete(actor=stylist, garment=shoe),
    )
    if saved == "done":
        assert gone == "Mule is worn in 1 look: take it out of it first."
        assert Look.objects.get(name="Mules").items.filter(garment=shoe).exists()
    else:
        assert (saved, gone) == (f"No such garment in your catalogue: [{shoe.pk}].", "done")
        assert not Look.objects.filter(name="Mules").exists()


@pytest.mark.django_db(transaction=True)
def test_a_matrix_queued_while_its_look_is_deleted_waits_then_finds_it_gone(studio):
    """The same race with the deletion first, held open: queueing waits on the look's row (it
    locks its looks, as deleting one does), then says the look is gone, rather than making
    shots of a look deleted under it. And a look saved while its garment is being deleted."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    spec = studio.spec()
    with transaction.atomic():
        look_delete(actor=studio.director, look=studio.look)
        threads, outcomes = started(
            lambda: matrix_queue(actor=studio.director, campaign=studio.campaign, spec=spec)
        )
        waiting(1, *threads)
    threads[0].join(10)
    assert outcomes == [f"No such look in your brand: {studio.look.pk}."]
    assert not Shot.objects.exists() and not RenderJob.objects.exists()

    shoe = GarmentFactory(brand=studio.world.brand_a, category="shoes", name="Mule", sku="MU-1")
    stylist = actor_for(studio.world.user("brand-a", Role.STYLIST), "brand-a")
    with transaction.atomic():
        garment_delete(actor=stylist, garment=shoe)
        threads, outcomes = started(
            lambda: look_save(actor=studio.director, name="Mules", items=[LookItemInput(shoe.pk)])
        )
        waiting(1, *threads)
    threads[0].join(10)
    assert outcomes == [f"No such garment in your catalogue: [{shoe.pk}]."]
    assert not Look.objects.filter(name="Mules").exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_matrix_queued_twice_at_once_is_queued_once(studio):
    """A double click on Queue, or two directors at once: the campaign's lock puts one after the
    other, and the second finds every shot in the matrix already."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")

    spec = studio.spec(formats=("1:1", "4:5"), variants=2)

    def queue() -> None:
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=spec)

    outcomes = sorted(race(queue, queue))
    assert outcomes == [
        "Nothing to render: every shot is forbidden or in the matrix already.",
        "done",
    ]
    assert Shot.objects.filter(campaign=studio.campaign).count() == RenderJob.objects.count() == 4
    broker_empty("gpu")
