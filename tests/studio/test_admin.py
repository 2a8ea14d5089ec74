"""What studio staff may do in the Django admin. They onboard brands and talent through the
studio's services (audited); what belongs to a talent or a brand, and changes only through the
studio's own checks, they may look at but not change: a twin (its consent, its owner), a capture
photo (its twin), a garment (its brand, its images), the audit log."""

import pytest
from django.urls import reverse
from django.utils import timezone

from studio.models import AuditEvent
from tests.factories import CapturePhotoFactory, GarmentFactory, UserFactory
from twins.models import Talent, Twin

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(username="ops", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_staff_see_twins_photos_and_garments_but_change_none_of_them(world, client, staff):
    world.twin_a.consent_revoked_at = timezone.now()
    world.twin_a.consent_revoked_reason = "I no longer want my likeness used."
    world.twin_a.save()
    photo = CapturePhotoFactory(twin=world.twin_a)
    garment = GarmentFactory(brand=world.brand_a, sku="G-1")
    for model, obj, change in (
        # Consent given back, and the twin handed to another talent, behind the talent's back.
        ("twins_twin", world.twin_a, {"name": "Mine", "talent": world.talent_b.pk}),
        ("twins_capturephoto", photo, {"twin": world.twin_b.pk, "angle": photo.angle}),
        ("campaigns_garment", garment, {"brand": world.brand_b.pk, "sku": "G-1", "name": "X"}),
    ):
        change_url = reverse(f"admin:{model}_change", args=[obj.pk])
        assert client.get(change_url).status_code == 200  # seen
        assert client.post(change_url, change).status_code == 403
        assert client.get(reverse(f"admin:{model}_add")).status_code == 403
        assert client.post(reverse(f"admin:{model}_delete", args=[obj.pk])).status_code == 403
    twin = Twin.objects.get(pk=world.twin_a.pk)
    assert twin.talent == world.talent_a and twin.consent_revoked_at is not None
    photo.refresh_from_db()
    garment.refresh_from_db()
    assert photo.twin == world.twin_a and garment.brand == world.brand_a


def test_staff_onboard_a_talent_audited_and_cannot_hand_their_account_to_another(
    world, client, staff
):
    person, stranger = UserFactory(username="new-model"), UserFactory(username="stranger")
    form = {
        "display_name": "New Model",
        "representations-TOTAL_FORMS": 0,
        "representations-INITIAL_FORMS": 0,
    }
    added = client.post(reverse("admin:twins_talent_add"), {**form, "user": person.pk})
    assert added.status_code == 302, added.content.decode()[:2000]
    talent = Talent.objects.get(user=person)
    event = AuditEvent.objects.get(verb="talent.created")
    assert (event.actor, event.talent_user, event.object_id) == (staff, person, str(talent.pk))

    change_url = reverse("admin:twins_talent_change", args=[talent.pk])
    changed = client.post(change_url, {**form, "display_name": "Renamed", "user": stranger.pk})
    assert changed.status_code == 302, changed.content.decode()[:2000]
    talent.refresh_from_db()
    assert (talent.display_name, talent.user) == ("Renamed", person)


def test_staff_changing_who_represents_a_talent_are_in_the_talent_s_audit_trail(
    world, client, staff
):
    """Whether an agency may act for a talent is the talent's consent: each representation
    staff start, change or end in the admin is audited, with the talent it concerns."""
    from twins.models import Agency, Representation

    agency = Agency.objects.create(name="Northstar", slug="northstar")
    talent = world.talent_b
    url = reverse("admin:twins_talent_change", args=[talent.pk])

    def save(representation: dict | None, initial: Representation | None = None):
        form = {
            "display_name": talent.display_name,
            "representations-TOTAL_FORMS": 1 if representation is not None else 0,
            "representations-INITIAL_FORMS": 1 if initial else 0,
        }
        if representation is not None:
            form |= {f"representations-0-{k}": v for k, v in representation.items()}
            form["representations-0-talent"] = talent.pk
            if initial:
                form["representations-0-id"] = initial.pk
        answer = client.post(url, form)
        assert answer.status_code == 302, answer.content.decode()[:3000]

    seat = {"agency": agency.pk, "may_act": "on", "started_on": "2026-12-01"}
    save(seat)
    representation = Representation.objects.get(talent=talent)
    save({**seat, "may_act": ""}, representation)  # unticked: may no longer act
    save({**seat, "DELETE": "on"}, representation)
    assert not Representation.objects.filter(talent=talent).exists()
    events = AuditEvent.objects.filter(verb__startswith="representation.").order_by("pk")
    assert [(e.verb, e.actor, e.talent_user, e.payload) for e in events] == [
        ("representation.started", staff, talent.user, {"agency": "northstar", "may_act": True}),
        (
            "representation.changed",
            staff,
            talent.user,
            {"agency": "northstar", "may_act": False, "changed": ["may_act"]},
        ),
        ("representation.ended", staff, talent.user, {"agency": "northstar"}),
    ]


def test_staff_onboard_an_agency_and_seat_its_people_audited(client, staff):
    """A seat in an agency lets its holder act for the talent the agency represents (where they
    allow it): who was seated and unseated, by which staff member, is in the audit log."""
    from twins.models import Agency

    booker, other = UserFactory(username="booker"), UserFactory(username="other-booker")

    def form(*users, initial=()):
        data = {
            "name": "Northstar",
            "slug": "northstar",
            "members-TOTAL_FORMS": len(users),
            "members-INITIAL_FORMS": len(initial),
        }
        for n, user in enumerate(users):
            data[f"members-{n}-user"] = user.pk
            if n < len(initial):
                data[f"members-{n}-id"] = initial[n]
        return data

    added = client.post(reverse("admin:twins_agency_add"), form(booker))
    assert added.status_code == 302, added.content.decode()[:3000]
    agency = Agency.objects.get(slug="northstar")
    seat = agency.members.get()
    change = reverse("admin:twins_agency_change", args=[agency.pk])
    swapped = client.post(change, form(other, initial=[seat.pk]))  # the seat given to another
    assert swapped.status_code == 302, swapped.content.decode()[:3000]
    events = AuditEvent.objects.filter(verb__startswith="agency.").order_by("pk")
    assert [(e.verb, e.actor, e.object_id, e.payload) for e in events] == [
        ("agency.created", staff, str(agency.pk), {"staff": 0}),
        ("agency.members_added", staff, str(agency.pk), {"users": ["booker"]}),
        ("agency.members_added", staff, str(agency.pk), {"users": ["other-booker"]}),
        ("agency.members_removed", staff, str(agency.pk), {"users": ["booker"]}),
    ]
