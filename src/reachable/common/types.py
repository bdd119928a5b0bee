"""Small shared vocabularies (enumerations) used across domains."""

from __future__ import annotations

from enum import StrEnum


class Country(StrEnum):
    """The two jurisdictions Reachable serves; their law differs (s17/s47 vs SSWBA 2014 s21)."""

    ENGLAND = "England"
    WALES = "Wales"


class AreaKind(StrEnum):
    """Kinds of area: councils by tier, and police force areas."""

    COUNTY = "county"
    UNITARY = "unitary"
    METROPOLITAN_DISTRICT = "metropolitan_district"
    LONDON_BOROUGH = "london_borough"
    DISTRICT = "district"
    WELSH_PRINCIPAL_AREA = "welsh_principal_area"
    POLICE_FORCE = "police_force"


class AgencyKind(StrEnum):
    """The agencies that record facts about children."""

    POLICE = "police"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    EDUCATION = "education"
    HEALTH = "health"
    YOUTH_JUSTICE = "youth_justice"
    VOLUNTARY_SECTOR = "voluntary_sector"
    NRM_COMPETENT_AUTHORITY = "nrm_competent_authority"


class PersonRole(StrEnum):
    """A person's role in an event. The default is child at risk: never suspect unless stated."""

    CHILD_AT_RISK = "child_at_risk"
    VICTIM = "victim"
    SUSPECT = "suspect"
    WITNESS = "witness"
    OTHER = "other"


class Sex(StrEnum):
    """Sex as recorded by the agency (CIN 2024-25 M/F/U)."""

    MALE = "M"
    FEMALE = "F"
    UNKNOWN = "U"


class Basis(StrEnum):
    """Whether an assertion is a recorded fact or an assessment / intelligence."""

    FACT = "fact"
    ASSESSMENT = "assessment"
    INTELLIGENCE = "intelligence"
