"""Licenses between a talent and a brand: proposals, decisions, exclusivity, revocation and the
usage ledger. Brands propose; the talent (or their agency, where the talent allows) decides."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from studio.db import INT_MAX
from studio.enums import Perm
from studio.errors import Conflict, NotFound, PermissionDenied, StudioError, text_checked
from studio.markets import markets_read
from studio.models import Brand
from studio.permissions import Actor
from studio.services import audit_record
from twins.enums import Channel, Exclusivity, LicenseStatus, UsageKind
from twins.models import License, Talent, Twin, UsageLine
from twins.models.licensing import LEDGER_MAX, months_between
from twins.permissions import talent_require
from twins.revocation import Revocation, revocation_dispatch
from twins.selectors import twins_requestable
from twins.services.checks import LicenseBook, terms_of
from twins.services.people import CATEGORIES
from twins.services.training import twin_training_stop

_CURRENCY = re.compile(r"^[A-Z]{3}$")


# --- Terms ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Terms:
    """What a brand proposes, or a talent counters with."""

    starts_on: date
    ends_on: date
    markets: list[str]
    channels: list[str]
    categories: list[str]
    exclusivity: str = Exclusivity.NONE
    exclusive_against: list[Brand] = field(default_factory=list)
    max_published_assets: int | None = None
    currency: str = "EUR"
    flat_fee: Decimal = Decimal("0")
    per_asset_fee: Decimal = Decimal("0")
    note: str = ""

    def validated(self) -> "Terms":
        problems = []
        if self.ends_on < self.starts_on:
            problems.append("The term ends before it starts.")
        markets, wrong = markets_read(self.markets)
        if wrong:
            problems.append(wrong)
        channels = sorted(set(self.channels))
        if not channels or any(c not in Channel.values for c in channels):
            problems.append(f"Channels are some of: {', '.join(Channel.values)}.")
        categories = sorted(set(self.categories))
        if not categories or any(c not in CATEGORIES for c in categories):
            problems.append(f"Categories are some of: {', '.join(CATEGORIES)}.")
        if self.exclusivity not in Exclusivity.values:
            problems.append("Unknown exclusivity.")
        if self.exclusivity == Exclusivity.CATEGORY and not self.exclusive_against:
            problems.append("An exclusive license names the competitors it excludes.")
        if not _CURRENCY.match(self.currency):
            problems.append("The currency is an ISO code such as EUR.")
        if self.flat_fee < 0 or self.per_asset_fee < 0:
            problems.append("Fees cannot be negative.")
        try:
            note = text_checked(self.note, "a note")
        except StudioError as exc:
            problems.append(exc.message)
        if self.max_published_assets is not None and not 1 <= self.max_published_assets <= INT_MAX:
            problems.append(f"The maximum of published assets is 1 to {INT_MAX:,} (or none).")
        if not problems:  # the fees as the ledger records them: each must fit one line
            flat = self.flat_fee * len(markets) * months_between(self.starts_on, self.ends_on)
            if flat > LEDGER_MAX:
                problems.append(
                    f"The flat fees come to {flat:,.2f} over the term, past the {LEDGER_MAX:,}"
                    " one ledger line holds: a shorter term, fewer markets or a lower fee."
                )
            if self.per_asset_fee * len(markets) > LEDGER_MAX:
                problems.append(f"An asset's fee over its markets is at most {LEDGER_MAX:,}.")
        if problems:
            raise StudioError(" ".join(problems))
        against = self.exclusive_against if self.exclusivity == Exclusivity.CATEGORY else []
        return Terms(
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            markets=markets,
            channels=channels,
            categories=categories,
            exclusivity=self.exclusivity,
            exclusive_against=against,
            max_published_assets=self.max_published_assets,
            currency=self.currency,
            flat_fee=self.flat_fee,
            per_asset_fee=self.per_asset_fee,
            note=note,
        )


def _apply(license: License, terms: Terms) -> None:
    for name in (
        "starts_on",
        "ends_on",
        "markets",
        "channels",
        "categories",
        "exclusivity",
        "max_published_assets",
        "currency",
        "flat_fee",
        "per_asset_fee",
        "note",
    ):
        setattr(license, name, getattr(terms, name))


def _snapshot(license: License) -> dict[str, Any]:
    return {
        "starts_on": license.starts_on.isoformat(),
        "ends_on": license.ends_on.isoformat(),
        "markets": license.markets,
        "channels": license.channels,
        "categories": license.categories,
        "exclusivity": license.exclusivity,
        "exclusive_against": sorted(b.slug for b in license.exclusive_against.all()),
        "max_published_assets": license.max_published_assets,
        "currency": license.currency,
        "flat_fee": str(license.flat_fee),
        "per_asset_fee": str(license.per_asset_fee),
        "status": license.status,
    }


def _audit(actor: User | None, verb: str, license: License, **extra: Any) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        obj=license,
        brand=license.brand,
        talent_user=license.twin.talent.user,
        payload={**_snapshot(license), **extra},
    )


# --- Proposals and decisions ----------------------------------------------------------------------
def license_request(*, actor: Actor, twin: Twin, terms: Terms) -> License:
    brand = actor.require(Perm.REQUEST_LICENSES)
    if not twins_requestable(brand).filter(pk=twin.pk).exists():
        raise NotFound("No such twin in your catalogue.")
    terms = terms.validated()
    with transaction.atomic():
        license = License(twin=twin, brand=brand, requested_by=actor.user)
        _apply(license, terms)
        license.save()
        license.exclusive_against.set(terms.exclusive_against)
        _audit(actor.user, "license.requested", license)
    return license


def _acts_for_talent(user: User, license: License) -> Talent:
    """The talent, if ``user`` decides for them (themself or their agency); else NotFound."""
    return talent_require(user, license.twin.talent_id)


def _locked(license: License) -> License:
    """The license, locked after its twin and talent, in the order a matrix being queued locks
    them (LicenseBook(lock=True)): the two wait for each other instead of deadlocking. The
    talent's lock also takes their license decisions one at a time, as exclusivity is checked
    across all of them."""
    list(Twin.objects.select_related("talent").select_for_update().filter(pk=license.twin_id))
    return (
        License.objects.select_for_update(of=("self",))
        .select_related("twin__talent", "brand")
        .get(pk=license.pk)
    )


def _require_state(license: License, *states: str) -> None:
    if license.status not in states:
        raise Conflict(
            f"This license is {license.get_status_display().lower()}; "
            "it cannot change that way now."
        )


def _exclusivity_conflicts(license: License) -> list[License]:
    """Active licenses of the same talent that this one cannot coexist with."""
    others = (
        License.objects.filter(
            twin__talent=license.twin.talent_id,
            status=LicenseStatus.ACTIVE,
            starts_on__lte=license.ends_on,
            ends_on__gte=license.starts_on,
        )
        .exclude(pk=license.pk)
        .prefetch_related("exclusive_against")
    )
    mine = set(license.categories)
    my_rivals = {b.pk for b in license.exclusive_against.all()}
    conflicts = []
    for other in others:
        if not mine & set(other.categories):
            continue
        theirs = {b.pk for b in other.exclusive_against.all()}
        if (license.exclusivity == Exclusivity.CATEGORY and other.brand_id in my_rivals) or (
            other.exclusivity == Exclusivity.CATEGORY and license.brand_id in theirs
        ):
            conflicts.append(other)
    return conflicts


def _activate(actor: User, license: License) -> License:
    # One activation per talent at a time, so two overlapping exclusives cannot both pass.
    Talent.objects.select_for_update().get(pk=license.twin.talent_id)
    conflicts = _exclusivity_conflicts(license)
    if conflicts:
        raise Conflict(
            "This overlaps an exclusive license: "
            + "; ".join(
                f"{c.brand.name} {c.starts_on}–{c.ends_on} ({', '.join(c.categories)})"
                for c in conflicts
            )
            + "."
        )
    license.status = LicenseStatus.ACTIVE
    license.decided_by, license.decided_at = actor, timezone.now()
    license.save()
    _audit(actor, "license.accepted", license)
    if license.flat_total:
        UsageLine.objects.create(
            license=license,
            kind=UsageKind.FLAT,
            used_on=license.starts_on,
            amount=license.flat_total,
            currency=license.currency,
            markets=license.markets,
        )
        _audit(
            actor, "usage.recorded", license, kind=UsageKind.FLAT, amount=str(license.flat_total)
        )
    return license


@transaction.atomic
def license_accept(*, actor: User, license: License) -> License:
    """The talent (or their agency) accepts what the brand requested."""
    license = _locked(license)
    talent = _acts_for_talent(actor, license)
    _require_state(license, LicenseStatus.REQUESTED)
    if actor != talent.user and terms_of(talent).agency_needs_confirmation:
        raise PermissionDenied(
            f"{talent.display_name} confirms agency decisions: they accept this themselves."
        )
    return _activate(actor, license)


@transaction.atomic
def license_accept_counter(*, actor: Actor, license: License) -> License:
    """The brand accepts the terms the talent countered with."""
    brand = actor.require(Perm.REQUEST_LICENSES)
    license = _locked(license)
    if license.brand_id != brand.pk:
        raise NotFound("No such license.")
    _require_state(license, LicenseStatus.COUNTERED)
    return _activate(actor.user, license)


@transaction.atomic
def license_counter(*, actor: User | Actor, license: License, terms: Terms) -> License:
    """Propose changed terms: the talent answers a request, or the brand answers a counter."""
    terms = terms.validated()
    if isinstance(actor, Actor):
        brand = actor.require(Perm.REQUEST_LICENSES)
        license = _locked(license)
        if license.brand_id != brand.pk:
            raise NotFound("No such license.")
        _require_state(license, LicenseStatus.COUNTERED)
        user, next_status = actor.user, LicenseStatus.REQUESTED
    else:
        license = _locked(license)
        talent = _acts_for_talent(actor, license)
        _require_state(license, LicenseStatus.REQUESTED)
        if actor != talent.user and terms_of(talent).agency_needs_confirmation:
            raise PermissionDenied(f"{talent.display_name} confirms agency decisions.")
        user, next_status = actor, LicenseStatus.COUNTERED
    _apply(license, terms)
    license.status = next_status
    license.save()
    license.exclusive_against.set(terms.exclusive_against)
    _audit(user, "license.countered", license)
    return license


@transaction.atomic
def license_decline(*, actor: User | Actor, license: License, reason: str = "") -> License:
    """The talent declines a request, or the brand withdraws from a negotiation."""
    reason = text_checked(reason, "a reason")
    license = _locked(license)
    if isinstance(actor, Actor):
        brand = actor.require(Perm.REQUEST_LICENSES)
        if license.brand_id != brand.pk:
            raise NotFound("No such license.")
        user = actor.user
    else:
        _acts_for_talent(actor, license)
        user = actor
    _require_state(license, LicenseStatus.REQUESTED, LicenseStatus.COUNTERED)
    license.status = LicenseStatus.DECLINED
    license.decided_by, license.decided_at = user, timezone.now()
    license.declined_reason = reason
    license.save()
    _audit(user, "license.declined", license, reason=reason)
    return license


@transaction.atomic
def license_revoke(*, actor: User, license: License, reason: str) -> License:
    """The talent (or their agency) ends an active license now, for every new use."""
    reason = text_checked(reason, "a reason")
    if not reason:
        raise StudioError("Say why the license is revoked: the brand is told.")
    license = _locked(license)
    _acts_for_talent(actor, license)
    _require_state(license, LicenseStatus.ACTIVE)
    license.status = LicenseStatus.REVOKED
    license.revoked_reason = reason
    license.save()
    _audit(actor, "license.revoked", license, reason=reason)
    revocation_dispatch(
        Revocation(
            kind="license",
            twin_id=license.twin_id,
            license_ids=(license.pk,),
            brand_ids=(license.brand_id,),
            reason=reason,
            actor_id=actor.pk,
        )
    )
    return license


@transaction.atomic
def twin_consent_revoke(*, actor: User, twin: Twin, reason: str) -> Twin:
    """The talent withdraws all consent for a twin: every license ends, nothing new is made (its
    renders stop, through the revocation handlers, and so does its training)."""
    reason = text_checked(reason, "a reason")
    if not reason:
        raise StudioError("Say why consent is withdrawn.")
    twin = Twin.objects.select_for_update().select_related("talent").get(pk=twin.pk)
    if twin.talent.user_id != actor.pk:
        raise NotFound("Only the person a twin depicts withdraws consent for it.")
    if twin.consent_revoked_at is not None:
        raise Conflict("Consent for this twin is withdrawn already.")
    twin.consent_revoked_at, twin.consent_revoked_reason = timezone.now(), reason
    twin.save(update_fields=["consent_revoked_at", "consent_revoked_reason"])
    live = list(
        License.objects.select_for_update().filter(
            twin=twin,
            status__in=[LicenseStatus.ACTIVE, LicenseStatus.REQUESTED, LicenseStatus.COUNTERED],
        )
    )
    for license in live:
        license.status = (
            LicenseStatus.REVOKED
            if license.status == LicenseStatus.ACTIVE
            else LicenseStatus.DECLINED
        )
        license.revoked_reason = reason
        license.save(update_fields=["status", "revoked_reason"])
    stopped = twin_training_stop(twin=twin)
    audit_record(
        actor=actor,
        verb="twin.consent_revoked",
        obj=twin,
        talent_user=actor,
        payload={
            "reason": reason,
            "licenses": [lic.pk for lic in live],
            "training_stopped": [version.number for version in stopped],
        },
    )
    revocation_dispatch(
        Revocation(
            kind="consent",
            twin_id=twin.pk,
            license_ids=tuple(lic.pk for lic in live),
            brand_ids=tuple(sorted({lic.brand_id for lic in live})),
            reason=reason,
            actor_id=actor.pk,
        )
    )
    return twin


def license_expire_due(*, today: date) -> list[int]:
    """Active licenses whose term ended before ``today`` become expired (idempotent)."""
    expired = []
    for license in License.objects.filter(status=LicenseStatus.ACTIVE, ends_on__lt=today):
        with transaction.atomic():
            license = _locked(license)
            if license.status != LicenseStatus.ACTIVE:
                continue
            license.status = LicenseStatus.EXPIRED
            license.save(update_fields=["status"])
            _audit(None, "license.expired", license)
            expired.append(license.pk)
    return expired


# --- Usage ----------------------------------------------------------------------------------------
def usage_record(
    *,
    license: License,
    asset_ref: str,
    channel: str,
    markets: list[str],
    used_on: date,
    actor: User | None = None,
) -> UsageLine:
    """Record one published asset under ``license`` (called by campaigns when a post goes out).
    Refused unless the license covers it at that moment; recording it twice returns the line."""
    markets = sorted({m.strip().upper() for m in markets if m.strip()})
    if not asset_ref or not markets:
        raise StudioError("A usage names the asset and at least one market.")
    with transaction.atomic():
        license = _locked(license)
        existing = UsageLine.objects.filter(
            license=license, kind=UsageKind.ASSET, asset_ref=asset_ref, channel=channel
        ).first()
        if existing:
            return existing
        book = LicenseBook(twins=[license.twin_id], brand=license.brand)
        for market in markets:
            check = book.check(
                license.twin_id,
                channel=channel,
                market=market,
                on=used_on,
                publishing=True,
            )
            if not check.allowed:
                raise PermissionDenied(" ".join(r.message for r in check.reasons))
        try:
            line = UsageLine.objects.create(
                license=license,
                kind=UsageKind.ASSET,
                asset_ref=asset_ref,
                channel=channel,
                markets=markets,
                used_on=used_on,
                amount=license.asset_fee(markets),
                currency=license.currency,
            )
        except IntegrityError as exc:  # recorded concurrently
            raise Conflict("This use is recorded already.") from exc
        _audit(
            actor,
            "usage.recorded",
            license,
            kind=UsageKind.ASSET,
            asset_ref=asset_ref,
            channel=channel,
            used_markets=markets,
            amount=str(line.amount),
        )
    return line
