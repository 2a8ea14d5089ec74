from twins.models.licensing import License, UsageLine
from twins.models.people import Agency, AgencyMember, Representation, StandingTerms, Talent
from twins.models.twins import CapturePhoto, ReplicaAgreement, Twin, TwinVersion

__all__ = [
    "Agency",
    "AgencyMember",
    "CapturePhoto",
    "License",
    "ReplicaAgreement",
    "Representation",
    "StandingTerms",
    "Talent",
    "Twin",
    "TwinVersion",
    "UsageLine",
]
