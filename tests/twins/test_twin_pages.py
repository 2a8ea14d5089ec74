"""The talent's own buttons on a twin's page: sign the replica agreement, withdraw all consent,
cancel or retire a version. Each says what happened or why not, and a refusal changes nothing."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from studio.enums import Role
from studio.models import AuditEvent
from tests.factories import LicenseFactory, TwinFactory
from twins.enums import LicenseStatus, TrainingStatus
from twins.models import License, ReplicaAgreement, TwinVersion
from twins.services import twin_version_run, twin_version_train

pytestmark = pytest.mark.django_db

SIGNED = {
    "scope": "E-commerce and social imagery",
    "purpose": "Spring campaigns",
    "pay_basis": "Per license",
    "starts_on": "2026-12-01",
    "ends_on": "2027-12-01",
    "text_version": "2026-01",
}


def said(response) -> list[str]:
    """What the page the POST led to said (posted with follow=True, so each says its own)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_talent_signs_the_agreement_on_the_twins_page_and_bad_input_signs_nothing(world, login):
    twin = TwinFactory(talent=world.talent_a, name="New twin")
    url = reverse("twin-agreement-sign", args=[twin.pk])
    talent = login(world.talent_a.user)
    page = talent.get(reverse("twin-detail", args=[twin.pk])).content.decode()
    assert f'action="{url}"' in page and "Sign the agreement" in page

    for wrong, why in (
        ({"purpose": ""}, "The agreement needs every field: purpose: This field is required."),
        ({"ends_on": "2026-11-30"}, "The agreement ends before it starts."),
        ({"starts_on": "1 December"}, "starts_on: Enter a valid date."),
    ):
        response = talent.post(url, {**SIGNED, **wrong}, follow=True)
        assert response.redirect_chain == [(reverse("twin-detail", args=[twin.pk]), 302)]
        assert any(why in message for message in said(response)), said(response)
    assert not ReplicaAgreement.objects.filter(twin=twin).exists()

    booker = login(world.agency.members.get().user)  # acts for the talent, never signs for them
    response = booker.post(url, SIGNED, follow=True)
    assert said(response) == ["Only the person the twin depicts signs its replica agreement."]
    assert not ReplicaAgreement.objects.filter(twin=twin).exists()

    talent = login(world.talent_a.user)
    response = talent.post(url, SIGNED, follow=True)
    assert said(response) == ["You signed the replica agreement; the capture set can be taken in."]
    agreement = ReplicaAgreement.objects.get(twin=twin)
    assert (agreement.purpose, agreement.signed_by) == ("Spring campaigns", world.talent_a.user)
    assert AuditEvent.objects.filter(verb="agreement.signed", actor=world.talent_a.user).exists()
    again = talent.post(url, SIGNED, follow=True)
    assert said(again) == ["An agreement is in place for this twin; end it before signing anew."]
    assert ReplicaAgreement.objects.filter(twin=twin).count() == 1


def test_the_talent_withdraws_consent_on_the_twins_page_once_and_only_themself(
    world, login, ready_twin
):
    active = LicenseFactory(twin=ready_twin, brand=world.brand_a, status=LicenseStatus.ACTIVE)
    asked = LicenseFactory(twin=ready_twin, brand=world.brand_b, status=LicenseStatus.REQUESTED)
    training = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    url = reverse("twin-consent-revoke", args=[ready_twin.pk])

    booker = login(world.agency.members.get().user)
    assert booker.post(url, {"reason": "Agency says so"}, follow=True).status_code == 404
    talent = login(world.talent_a.user)
    assert said(talent.post(url, {"reason": "  "}, follow=True)) == [
        "Say why consent is withdrawn."
    ]
    ready_twin.refresh_from_db()
    assert ready_twin.consent_revoked_at is None
    assert License.objects.get(pk=active.pk).status == LicenseStatus.ACTIVE

    response = talent.post(url, {"reason": "I stop modelling"}, follow=True)
    assert said(response) == [
        "Consent withdrawn: every license of this twin has ended, its renders and training stopped."
    ]
    statuses = dict(License.objects.values_list("pk", "status"))
    assert statuses == {active.pk: LicenseStatus.REVOKED, asked.pk: LicenseStatus.DECLINED}
    assert TwinVersion.objects.get(pk=training.pk).status == TrainingStatus.CANCELLED
    page = talent.get(reverse("twin-detail", args=[ready_twin.pk])).content.decode()
    assert "I stop modelling. Nothing new is made with this twin." in page
    again = talent.post(url, {"reason": "Again"}, follow=True)
    assert said(again) == ["Consent for this twin is withdrawn already."]
    assert AuditEvent.objects.filter(verb="twin.consent_revoked").count() == 1


def test_the_talent_cancels_and_retires_versions_on_the_twins_page(world, login, ready_twin):
    queued = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    booker = login(world.agency.members.get().user)  # the agency may, for its talent

    def decide(client, version, action):
        return client.post(reverse("twin-version-decide", args=[version.pk, action]), follow=True)

    response = decide(booker, queued, "cancel")
    assert response.redirect_chain == [(reverse("twin-detail", args=[ready_twin.pk]), 302)]
    assert said(response) == ["Version 1 is cancelled."]
    assert TwinVersion.objects.get(pk=queued.pk).status == TrainingStatus.CANCELLED
    assert said(decide(booker, queued, "cancel")) == ["This version is cancelled already."]

    trained = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    twin_version_run(version_id=trained.pk)
    talent = login(world.talent_a.user)
    assert decide(talent, trained, "delete").status_code == 404
    assert said(decide(talent, trained, "retire")) == [
        "Version 2 is retired and will not be rendered."
    ]
    assert said(decide(talent, trained, "retire")) == ["This version is retired already."]
    trained.refresh_from_db()
    assert trained.retired_at is not None and not trained.renderable
    other = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))  # a brand decides nothing
    assert decide(other, trained, "retire").status_code == 404
