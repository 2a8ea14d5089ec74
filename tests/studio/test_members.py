"""A brand admin adds members over the API as on the page: by login, with a role; bad input
and a second seat are refused and change nothing; two admins adding one person at once seat
them once; two admins stepping each other down at once leave the brand one admin. Staff editing
a team in the admin keep to the same rule, and are audited."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from studio.enums import Role
from studio.errors import NotFound
from studio.models import AuditEvent, Membership
from studio.permissions import actor_for
from studio.services import membership_add, membership_remove, membership_set_role
from tests.factories import UserFactory
from tests.races import race, started, waiting

pytestmark = pytest.mark.django_db


def test_an_admin_adds_a_member_over_the_api_and_bad_input_changes_nothing(world, login):
    newcomer = UserFactory(username="Nadia")
    admin = login(world.user("brand-a", Role.BRAND_ADMIN))
    url = reverse("api-member-list")

    def add(**data: str):
        return admin.post(url, data, content_type="application/json")

    before = Membership.objects.count()
    for data, code in (
        ({"username": "nobody", "role": Role.STYLIST}, 404),
        ({"username": "nadia", "role": "owner"}, 400),
        ({"role": Role.STYLIST}, 400),
    ):
        assert add(**data).status_code == code, data
    assert Membership.objects.count() == before

    answer = add(username="NADIA", role=Role.STYLIST)  # a login is found in any case
    assert answer.status_code == 201, answer.content
    seat = Membership.objects.get(pk=answer.json()["id"])
    assert (seat.user, seat.brand, seat.role) == (newcomer, world.brand_a, Role.STYLIST)
    event = AuditEvent.objects.get(verb="membership.added")
    assert event.payload == {"user": "Nadia", "role": Role.STYLIST}
    assert event.actor == world.user("brand-a", Role.BRAND_ADMIN)

    again = add(username="nadia", role=Role.SOCIAL_TEAM)
    assert again.status_code == 409 and "is a member of Brand A already" in str(again.json())
    assert Membership.objects.get(user=newcomer).role == Role.STYLIST

    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    assert director.post(url, {"username": "nadia", "role": Role.BRAND_ADMIN}).status_code == 404
    assert Membership.objects.filter(user=newcomer).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_admins_adding_one_person_at_once_seat_them_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    newcomer = UserFactory(username="nadia")
    first = actor_for(world.user("brand-a", Role.BRAND_ADMIN))
    second_admin = UserFactory(username="second-admin")
    Membership.objects.create(user=second_admin, brand=world.brand_a, role=Role.BRAND_ADMIN)
    second = actor_for(second_admin)

    outcomes = race(
        lambda: membership_add(actor=first, user=newcomer, role=Role.STYLIST),
        lambda: membership_add(actor=second, user=newcomer, role=Role.SOCIAL_TEAM),
    )
    assert sorted(outcomes) == ["done", "nadia is a member of Brand A already."]
    assert Membership.objects.filter(user=newcomer, brand=world.brand_a).count() == 1
    assert AuditEvent.objects.filter(verb="membership.added").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_admins_removing_one_member_at_once_remove_them_once(world):
    """Both read the team page, both press Remove: the second is told there is no such member
    (before: a server error), and so is a role change the removal beat."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    first = actor_for(world.user("brand-a", Role.BRAND_ADMIN))
    second_admin = UserFactory(username="second-admin")
    Membership.objects.create(user=second_admin, brand=world.brand_a, role=Role.BRAND_ADMIN)
    second = actor_for(second_admin)
    seat = world.seats[("brand-a", Role.STYLIST)]
    outcomes = race(
        lambda: membership_remove(actor=first, membership=seat),
        lambda: membership_remove(actor=second, membership=seat),
    )
    assert sorted(outcomes) == ["No such member.", "done"]
    assert not Membership.objects.filter(pk=seat.pk).exists()
    assert AuditEvent.objects.filter(verb="membership.removed").count() == 1
    with pytest.raises(NotFound, match="No such member"):
        membership_set_role(actor=first, membership=seat, role=Role.SOCIAL_TEAM)
    assert not Membership.objects.filter(user=seat.user, brand=world.brand_a).exists()
    # Nor does another brand's admin reach a seat of ours through the services.
    theirs = actor_for(world.user("brand-b", Role.BRAND_ADMIN))
    social = world.seats[("brand-a", Role.SOCIAL_TEAM)]
    with pytest.raises(NotFound):
        membership_set_role(actor=theirs, membership=social, role=Role.BRAND_ADMIN)
    with pytest.raises(NotFound):
        membership_remove(actor=theirs, membership=social)
    social.refresh_from_db()
    assert social.role == Role.SOCIAL_TEAM


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("step_down", ["demote", "remove"])
def test_two_admins_stepping_each_other_down_at_once_leave_the_brand_one_admin(world, step_down):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    first_admin, second_admin = world.user("brand-a", Role.BRAND_ADMIN), UserFactory()
    Membership.objects.create(user=second_admin, brand=world.brand_a, role=Role.BRAND_ADMIN)
    first, second = actor_for(first_admin), actor_for(second_admin)
    first_seat, second_seat = (
        Membership.objects.get(user=user, brand=world.brand_a)
        for user in (first_admin, second_admin)
    )
    act = {
        "demote": lambda actor, seat: membership_set_role(
            actor=actor, membership=seat, role=Role.STYLIST
        ),
        "remove": lambda actor, seat: membership_remove(actor=actor, membership=seat),
    }[step_down]
    with transaction.atomic():
        # Each act reads who else is an admin and then records itself: held at the record, both
        # have read "the other one is an admin" unless they take turns from the start.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {AuditEvent._meta.db_table} IN EXCLUSIVE MODE")
        threads, outcomes = started(
            lambda: act(first, second_seat), lambda: act(second, first_seat)
        )
        waiting(2, *threads)
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["A brand keeps at least one brand admin.", "done"]
    assert Membership.objects.filter(brand=world.brand_a, role=Role.BRAND_ADMIN).count() == 1


def test_staff_onboard_a_brand_in_the_admin_with_its_first_admin(world, client):
    """Through the same service as everything else: the first admin is seated with the brand
    and the onboarding is audited; a name taken already, whatever its case, adds nothing."""
    from studio.models import Brand

    staff = UserFactory(username="ops", is_staff=True, is_superuser=True)
    first_admin = UserFactory(username="lumen-admin")
    client.force_login(staff)
    url = reverse("admin:studio_brand_add")
    form = client.get(url).content.decode()
    assert 'name="admin"' in form and "memberships-TOTAL_FORMS" not in form
    answer = client.post(url, {"name": "Lumen", "slug": "lumen", "admin": first_admin.pk})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    brand = Brand.objects.get(slug="lumen")
    seat = brand.memberships.get()
    assert (seat.user, seat.role) == (first_admin, Role.BRAND_ADMIN)
    event = AuditEvent.objects.get(verb="brand.created")
    assert (event.actor, event.brand, event.payload) == (staff, brand, {"admin": "lumen-admin"})
    again = client.post(url, {"name": "LUMEN", "slug": "lumen-2", "admin": first_admin.pk})
    assert (
        again.status_code == 200
        and "A brand of this name exists already." in again.content.decode()
    )
    assert not Brand.objects.filter(slug="lumen-2").exists()
    # The brand's page in the admin still shows its team, and edits it.
    change = client.get(reverse("admin:studio_brand_change", args=[brand.pk])).content.decode()
    assert "memberships-TOTAL_FORMS" in change and "lumen-admin" in change


def _team(brand, roles=None, remove=(), add=None):
    """The brand's page in the admin as posted back with ``roles`` changed ({user: role}),
    seats of ``remove`` ticked for deletion and a seat ``add``ed ((user, role))."""
    seats = list(brand.memberships.order_by("pk"))
    data = {
        "name": brand.name,
        "slug": brand.slug,
        "memberships-TOTAL_FORMS": len(seats) + (add is not None),
        "memberships-INITIAL_FORMS": len(seats),
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
    }
    for n, seat in enumerate(seats):
        data |= {
            f"memberships-{n}-id": seat.pk,
            f"memberships-{n}-brand": brand.pk,
            f"memberships-{n}-user": seat.user_id,
            f"memberships-{n}-role": (roles or {}).get(seat.user, seat.role),
        }
        if seat.user in remove:
            data[f"memberships-{n}-DELETE"] = "on"
    if add is not None:
        n = len(seats)
        data |= {f"memberships-{n}-brand": brand.pk, f"memberships-{n}-user": add[0].pk,
                 f"memberships-{n}-role": add[1]}  # fmt: skip
    return data


def _team_post(client, brand, **changes):
    return client.post(
        reverse("admin:studio_brand_change", args=[brand.pk]), _team(brand, **changes)
    )


def test_staff_editing_a_team_in_the_admin_keep_a_brand_admin_and_are_audited(world, client):
    """The admin's team inline follows the studio's rule (a brand keeps a brand admin) and its
    changes are in the brand's audit log, as the studio's are."""
    brand, admin = world.brand_a, world.user("brand-a", Role.BRAND_ADMIN)
    director = world.user("brand-a", Role.CREATIVE_DIRECTOR)
    staff = UserFactory(username="ops", is_staff=True, is_superuser=True)
    client.force_login(staff)
    team = dict(brand.memberships.values_list("user__username", "role"))

    for refused in (
        _team_post(client, brand, roles={admin: Role.STYLIST}),
        _team_post(client, brand, remove=[admin]),
    ):
        assert refused.status_code == 200
        assert "A brand keeps at least one brand admin." in refused.content.decode()
    assert dict(brand.memberships.values_list("user__username", "role")) == team
    assert not AuditEvent.objects.filter(verb__startswith="membership.").exists()

    # Handing the brand over in one save: the director is promoted as the admin steps down.
    handed = _team_post(client, brand, roles={admin: Role.STYLIST, director: Role.BRAND_ADMIN})
    assert handed.status_code == 302, handed.content.decode()[:3000]
    events = AuditEvent.objects.filter(verb="membership.role_changed", brand=brand, actor=staff)
    assert {
        event.payload["user"]: (event.payload["from"], event.payload["to"]) for event in events
    } == {
        admin.username: (Role.BRAND_ADMIN, Role.STYLIST),
        director.username: (Role.CREATIVE_DIRECTOR, Role.BRAND_ADMIN),
    }

    newcomer = UserFactory(username="newcomer")
    added = _team_post(client, brand, add=(newcomer, Role.SOCIAL_TEAM), remove=[admin])
    assert added.status_code == 302
    added = AuditEvent.objects.get(verb="membership.added", brand=brand, actor=staff)
    removed = AuditEvent.objects.get(verb="membership.removed", brand=brand, actor=staff)
    assert added.payload == {"user": "newcomer", "role": Role.SOCIAL_TEAM}
    assert removed.payload == {"user": admin.username, "role": Role.STYLIST}
    assert not brand.memberships.filter(user=admin).exists()


def test_a_team_read_before_a_studio_change_does_not_leave_a_brand_without_an_admin(world, rf):
    """Staff's save reads the seats, then, in the studio, one admin steps the other down, then
    staff's save steps the first down. By the seats as read an admin would remain: the check
    reads the seats staff left alone from the database, under the brand's lock, and refuses."""
    from django.contrib.admin import site

    from studio.admin import MembershipInline

    brand, admin = world.brand_a, world.user("brand-a", Role.BRAND_ADMIN)
    seat = Membership.objects.create(user=UserFactory(), brand=brand, role=Role.BRAND_ADMIN)
    request = rf.post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    team = MembershipInline(type(brand), site).get_formset(request, brand)
    formset = team(_team(brand, roles={admin: Role.STYLIST}), instance=brand, prefix="memberships")
    assert len(formset.forms) == brand.memberships.count()  # the seats are read
    membership_set_role(actor=actor_for(admin), membership=seat, role=Role.STYLIST)
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["A brand keeps at least one brand admin."]
