"""Every write in twins. One module per area: people (talent, agencies, standing terms),
capture (twins, agreements, capture photos), licensing (licenses, the check, revocation, usage).
"""

from twins.services.capture import (
    agreement_identity_verify,
    agreement_in_force,
    agreement_sign,
    capture_photo_add,
    twin_create,
)
from twins.services.checks import LicenseBook, LicenseCheck, Reason, license_check, wear_check
from twins.services.licensing import (
    Terms,
    license_accept,
    license_accept_counter,
    license_counter,
    license_decline,
    license_expire_due,
    license_request,
    license_revoke,
    twin_consent_revoke,
    usage_record,
)
from twins.services.people import (
    agency_create,
    representation_start,
    standing_terms_update,
    talent_create,
)
from twins.services.training import (
    twin_version_cancel,
    twin_version_retire,
    twin_version_run,
    twin_version_train,
)

__all__ = [
    "LicenseBook",
    "LicenseCheck",
    "Reason",
    "Terms",
    "agency_create",
    "agreement_identity_verify",
    "agreement_in_force",
    "agreement_sign",
    "capture_photo_add",
    "license_accept",
    "license_accept_counter",
    "license_check",
    "license_counter",
    "license_decline",
    "license_expire_due",
    "license_request",
    "license_revoke",
    "representation_start",
    "standing_terms_update",
    "talent_create",
    "twin_consent_revoke",
    "twin_create",
    "twin_version_cancel",
    "twin_version_retire",
    "twin_version_run",
    "twin_version_train",
    "usage_record",
    "wear_check",
]
