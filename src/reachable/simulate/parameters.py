"""Every parameter of the simulated world in one place, each with the source or reasoning behind it.

Sources are abbreviated: CL = Counting Lives (The Children's Society, 2019), chapter and table;
DfE = Department for Education statistics (CLA, CIN, exclusions, SEN); HO = Home Office statistics
(stop and search, arrests, NRM); NHS = NHS England A&E statistics; "judgement" marks an assumption
chosen to reproduce a published figure or an account in CL chapter 2 (see docs/simulation.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

STAGES: tuple[str, ...] = ("targeted", "groomed", "tested", "trapped")

# Relative rate of an event by age 0..17; 1.0 at the peak.
TEEN = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.08, 0.15, 0.3, 0.5, 0.75, 1.0, 1.0, 0.95)
SCHOOL = (0, 0, 0, 0, 0, 0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.25, 0.45, 0.7, 0.9, 1.0, 0.6, 0.0)
ALL_AGES = (1.0, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.45, 0.45, 0.5, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.8)
SCHOOL_ALL = (0, 0, 0, 0, 0.5, 0.9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.9, 0.0)
REFERRAL = (1.0, 0.55, 0.5, 0.5, 0.5, 0.5, 0.45, 0.45, 0.45, 0.45, 0.45, 0.5, 0.55, 0.6, 0.65, 0.65, 0.6, 0.5)


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """One kind of recorded contact: a background hurdle process plus extra events during exploitation.

    Background: each child-year, P(at least one) = p_any x age curve x multipliers (capped); given any,
    1 + NegBin(extra_mean, extra_k) more. Exploitation adds Poisson events at stage_rate per month,
    each recorded by an agency with probability record_cce (the rest are never seen: hidden harm).
    """

    p_any: float
    extra_mean: float
    extra_k: float
    age_curve: tuple[float, ...]
    male: float = 1.0
    factors: dict[str, float] = field(default_factory=dict)
    stage_rate: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    record_cce: float = 1.0


# Factor keys: poverty, sen, family_crime, care (looked after now), hub (lives in an exporting city),
# latent (exp(latent * z) with z the child's standard-normal disengagement trait), girl_cce (multiplier
# on exploitation-driven events for girls, whose CCE agencies tend to see as CSE or not at all).
# Columns: p_any, extra_mean, extra_k, age_curve, male, factors, stage_rate per month, record_cce.
# fmt: off
SIGNALS: dict[str, SignalSpec] = {
    # CL Table 9: ~3.1 reported episodes per child missing from home a year; ~1% of 10-17s reported
    # missing from home a year (NCA missing persons data: ~70k children, judgement on the split).
    "missing_home": SignalSpec(0.0062, 2.9, 0.35, TEEN, 1.0,
        {"poverty": 1.6, "family_crime": 1.6, "sen": 1.3, "latent": 0.6}, (0.05, 0.12, 0.3, 0.7),
        0.45,
    ),
    # CL Table 9: ~5.6 episodes per child missing from care; DfE CLA: ~11% of looked-after children
    # go missing in a year, more among 10-17s.
    "missing_care": SignalSpec(0.13, 12.0, 0.45, TEEN, 1.0,
        {"latent": 0.5, "sen": 1.2}, (0.08, 0.2, 0.45, 0.9), 0.85),
    # HO stop and search: ~100k searches of 10-17s a year in E&W (~2% of boys 10-17); CL Table 7.
    "stop_search": SignalSpec(0.0055, 0.5, 0.6, TEEN, 3.5,
        {"poverty": 1.5, "hub": 1.8, "family_crime": 1.7, "latent": 0.5}, (0.0, 0.02, 0.07, 0.13),
        1.0,
    ),
    # HO arrests: ~55k arrests of 10-17s a year in E&W (~1% a year); girls about 1 in 6.
    "arrest": SignalSpec(0.0042, 0.45, 0.6, TEEN, 4.0,
        {"poverty": 1.6, "family_crime": 2.0, "care": 3.0, "latent": 0.6}, (0.0, 0.004, 0.025, 0.06),
        1.0,
    ),
    # DfE exclusions 2022-23: ~9% suspension rate (pupils with one or more, about 4%), boys x2, SEN x3.
    "suspension": SignalSpec(0.034, 1.6, 0.7, SCHOOL, 2.0,
        {"poverty": 2.0, "sen": 2.8, "care": 2.0, "latent": 0.7}, (0.01, 0.03, 0.06, 0.06),
        1.0,
    ),
    # DfE: ~0.1% of pupils permanently excluded a year (9,376 in 2022-23).
    "permanent_exclusion": SignalSpec(0.0005, 0.0, 1.0, SCHOOL, 3.0,
        {"poverty": 2.0, "sen": 3.0, "care": 1.5, "latent": 0.8}, (0.0, 0.002, 0.006, 0.008),
        1.0,
    ),
    # Part-time timetables: no national data; ~1% of secondary pupils a year in LA surveys (judgement).
    "part_time": SignalSpec(0.003, 0.0, 1.0, SCHOOL, 1.5,
        {"sen": 3.0, "care": 2.0, "latent": 0.6}, (0.0, 0.008, 0.015, 0.015), 1.0),
    # School safeguarding log entries (DSL concern records): common and mostly unrelated to CCE.
    "school_concern": SignalSpec(0.2, 2.6, 0.8, SCHOOL_ALL, 1.1,
        {"poverty": 1.6, "sen": 1.6, "care": 2.0, "latent": 0.4}, (0.03, 0.06, 0.08, 0.06),
        1.0,
    ),
    # NHS A&E and urgent care: ~6m attendances by under-18s a year in England (~0.5 per child).
    "health": SignalSpec(0.52, 1.8, 1.2, ALL_AGES, 1.1,
        {"poverty": 1.3, "latent": 0.15}, (0.005, 0.02, 0.04, 0.06), 0.9),
    # Police occurrences naming a child as victim, witness or other (incl. children at domestic abuse).
    "police_incident": SignalSpec(0.03, 0.6, 0.6, ALL_AGES, 1.1,
        {"poverty": 2.0, "family_crime": 2.5, "care": 2.0, "latent": 0.3}, (0.005, 0.02, 0.04, 0.06),
        1.0,
    ),
    # Police intelligence naming a child; background = peer associations with nothing behind them.
    "intelligence": SignalSpec(0.0012, 0.3, 0.6, TEEN, 3.0,
        {"hub": 1.5, "family_crime": 2.5, "latent": 0.5}, (0.0, 0.012, 0.04, 0.08), 0.8),
    # Partner concerns shared with police by the voluntary sector (youth workers, RHI workers).
    "vcs_concern": SignalSpec(0.001, 0.2, 0.6, TEEN, 1.0,
        {"poverty": 1.5, "latent": 0.5}, (0.005, 0.015, 0.03, 0.03), 1.0),
    # DfE CIN: ~650k referrals a year for ~12m children (about 4.5% of children a year).
    "referral": SignalSpec(0.028, 0.15, 1.0, REFERRAL, 1.0,
        {"poverty": 2.2, "family_crime": 2.0, "sen": 1.4, "latent": 0.3}),
}
# fmt: on


@dataclass(frozen=True, slots=True)
class Population:
    """Who the children are (DfE schools census, ONS mid-year estimates)."""

    male_share: float = 0.512
    sen_share: float = 0.15  # CL ch.2: ~15% of pupils have SEN (DfE SEN in England)
    ehcp_share_of_sen: float = 0.27  # DfE: ~4.3% EHCP of ~17% SEN
    sen_male_ratio: float = 1.6
    family_crime_share: float = 0.05  # judgement: a parent or sibling with recent convictions
    family_crime_poverty_mult: float = 2.0
    move_home_per_year: float = 0.09  # ONS: ~1 in 10 children move address a year
    move_area_share: float = 0.12  # share of moves that cross a council boundary
    surname_change_per_year: float = 0.006  # parental separation or new partner (judgement)
    double_barrelled_share: float = 0.04
    middle_name_share: float = 0.55
    uasc_share: float = 0.0006  # DfE: ~7k UASC looked after of ~12m children


@dataclass(frozen=True, slots=True)
class Care:
    """Looked-after children (DfE CLA 2023: 70 per 10,000 under-18s; ~32k starts a year)."""

    in_care_at_start: tuple[float, ...] = (
        0.004,
        0.005,
        0.005,
        0.005,
        0.005,
        0.005,
        0.005,
        0.0055,
        0.006,
        0.0062,
        0.0065,
        0.007,
        0.0075,
        0.008,
        0.0085,
        0.009,
        0.0095,
        0.01,
    )
    start_per_year: tuple[float, ...] = (
        0.0045,
        0.0018,
        0.0015,
        0.0014,
        0.0014,
        0.0014,
        0.0014,
        0.0014,
        0.0015,
        0.0016,
        0.0018,
        0.002,
        0.0023,
        0.0028,
        0.0032,
        0.0035,
        0.0032,
        0.0025,
    )
    risk_mult: dict[str, float] = field(default_factory=lambda: {"poverty": 2.2, "family_crime": 2.5})
    leave_per_year: float = 0.28
    placement_moves_per_year: float = 0.55  # DfE: ~1 in 10 have 3+ placements a year
    out_of_area_share: float = 0.42  # DfE: ~40% placed outside their council's boundary
    cce_entry_per_month_trapped: float = 0.02  # accommodated after exploitation comes to light (judgement)


@dataclass(frozen=True, slots=True)
class Exploitation:
    """CL chapter 2: targeting by vulnerability and proximity, then grooming, testing and trapping."""

    # Annual hazard of being targeted at the peak age for a reference child (girl, no risk factors).
    base_hazard: float = 0.0011
    age_curve: tuple[float, ...] = (0, 0, 0, 0, 0, 0, 0, 0.04, 0.07, 0.1, 0.18, 0.32, 0.55, 0.8, 1.0, 1.0, 0.85, 0.6)
    male: float = 2.6  # truer hidden ratio ~72% male (CL ch.2 practitioners: "70-30 or 80-20")
    factors: dict[str, float] = field(
        default_factory=lambda: {
            "care": 5.0,
            "sen": 1.8,
            "poverty": 1.8,
            "family_crime": 2.5,
            "hub": 1.5,
            "latent": 0.55,
            "excluded": 2.0,
        }
    )
    # Stage progression: probability of moving on, and mean months before it happens.
    progress: tuple[float, float, float] = (0.7, 0.72, 0.62)
    months_to_next: tuple[float, float, float] = (2.0, 3.0, 4.0)
    exit_per_month: tuple[float, float, float, float] = (0.05, 0.03, 0.025, 0.02)
    travel_share_hub: float = 0.6  # children from exporting cities sent out on county lines
    travel_share_importing: float = 0.22  # importing-area children who also travel; the rest local
    girl_sexual_share: float = 0.45  # girls whose criminal exploitation is entwined with CSE (CL ch.2)
    girl_recorded_as_cse: float = 0.85  # of girls assessed, share recorded as CSE (11A) not CCE (24A)
    under10_record_mult: float = 0.25  # signals of under-10s rarely recorded (CL ch.2)
    girl_police_mult: float = 0.35  # "very little evidence in the youth justice system of females"
    groups_per_100k_hub_children: float = 4.0
    lines_per_group: tuple[int, int] = (1, 3)
    local_groups_per_100k_importing_children: float = 2.0
    line_move_per_year: float = 0.35  # lines move to new markets (CL ch.2: "groups adapt")


@dataclass(frozen=True, slots=True)
class Police:
    """Police recording (CL Tables 5-9)."""

    found_outside_home: float = 0.006  # background episodes found outside force area
    found_outside_care: float = 0.009
    found_outside_travel: float = 0.12
    report_care_absent_to_police: float = 0.35  # 903 'A' episodes also reported to police
    care_away_share: float = 0.3  # share of care episodes that are 'A' (whereabouts known)
    custody_given_arrest: float = 0.92
    charged_share: float = 0.3
    ooc_disposal_share: float = 0.3  # youth caution, conditional caution, community resolution
    pwits_with_concealment: float = 0.06  # plugging
    weapon_found_drugs_search_bg: float = 0.008
    weapon_found_drugs_search_cce: float = 0.05
    drugs_found_bg: float = 0.22
    drugs_found_cce: float = 0.5
    background_offence: dict[str, float] = field(
        default_factory=lambda: {
            "pwits_class_a": 0.012,
            "possession_class_a": 0.028,
            "other_drugs": 0.1,
            "offensive_weapon": 0.07,
            "other": 0.79,
        }
    )
    cce_offence: dict[str, float] = field(
        default_factory=lambda: {
            "pwits_class_a": 0.48,
            "possession_class_a": 0.16,
            "other_drugs": 0.1,
            "offensive_weapon": 0.1,
            "other": 0.16,
        }
    )


@dataclass(frozen=True, slots=True)
class Response:
    """How services respond: referrals, assessments, RHIs and NRM (CL ch.3; DfE CIN; HO NRM)."""

    rhi_offered_home: float = 0.7  # Missing People 2023-24: offer rates 30%-90%
    rhi_offered_care: float = 0.85
    rhi_accepted: float = 0.55
    referral_after_arrest: float = 0.25
    referral_after_pwits: float = 0.55
    referral_after_permanent_exclusion: float = 0.3
    referral_after_missing: float = 0.08
    referral_after_stab: float = 0.5
    nrm_after_pwits: float = 0.35
    nrm_per_month_trapped: float = 0.04
    nrm_girl_mult: float = 0.4  # girls' exploitation is seen as CSE and referred less for CCE
    nrm_background_per_year: float = 0.00008
    rg_positive_cce: float = 0.72  # CL ch.3: ~65% positive RG across referrals
    rg_positive_other: float = 0.35
    rg_days_mean: float = 30.0  # target 5 working days; in practice weeks
    cg_positive_cce: float = 0.6
    cg_days_mean: float = 650.0  # HO: CG decisions took well over a year in 2021-24
    assessment_days_mean: float = 28.0
    nfa_share: float = 0.42
    cin_plan_share: float = 0.35
    cp_plan_share: float = 0.14
    cce_identified_at_assessment: float = 0.7  # given a referral while exploited
    exploited_cin_plan_share: float = 0.5
    exploited_cp_plan_share: float = 0.2


@dataclass(frozen=True, slots=True)
class Noise:
    """Identity noise per agency kind (rates per record unless said otherwise)."""

    duplicate_person: dict[str, float] = field(
        default_factory=lambda: {
            "POL": 0.06,
            "CSC": 0.015,
            "EDU": 0.004,
            "HLT": 0.03,
            "YJS": 0.02,
            "VCS": 0.05,
            "NRM": 0.03,
        }
    )
    typo: dict[str, float] = field(
        default_factory=lambda: {
            "POL": 0.05,
            "CSC": 0.02,
            "EDU": 0.01,
            "HLT": 0.03,
            "YJS": 0.02,
            "VCS": 0.05,
            "NRM": 0.04,
        }
    )
    nickname: dict[str, float] = field(
        default_factory=lambda: {
            "POL": 0.14,
            "CSC": 0.04,
            "EDU": 0.02,
            "HLT": 0.06,
            "YJS": 0.06,
            "VCS": 0.2,
            "NRM": 0.05,
        }
    )
    variant_spelling: float = 0.05
    swap_names: dict[str, float] = field(
        default_factory=lambda: {
            "POL": 0.02,
            "CSC": 0.005,
            "EDU": 0.002,
            "HLT": 0.01,
            "YJS": 0.005,
            "VCS": 0.01,
            "NRM": 0.02,
        }
    )
    dob_transposed: dict[str, float] = field(
        default_factory=lambda: {
            "POL": 0.025,
            "CSC": 0.01,
            "EDU": 0.003,
            "HLT": 0.01,
            "YJS": 0.01,
            "VCS": 0.03,
            "NRM": 0.02,
        }
    )
    dob_typo: float = 0.01
    dob_missing: dict[str, float] = field(
        default_factory=lambda: {"POL": 0.04, "CSC": 0.0, "EDU": 0.0, "HLT": 0.02, "YJS": 0.0, "VCS": 0.15, "NRM": 0.03}
    )
    postcode_missing: dict[str, float] = field(
        default_factory=lambda: {
            "POL": 0.12,
            "CSC": 0.05,
            "EDU": 0.005,
            "HLT": 0.05,
            "YJS": 0.03,
            "VCS": 0.3,
            "NRM": 0.2,
        }
    )
    postcode_stale: float = 0.15  # a previous address still on file
    sex_unknown: float = 0.01
    upn_in_cin: float = 0.85  # CIN records a UPN for most school-age children (else UPNunknown)
    upn_in_yjs: float = 0.4
    nhs_missing: float = 0.05  # ED records without a traced NHS number
    first_responder_ref: float = 0.5  # NRM referral quoting the referrer's own person id


@dataclass(frozen=True, slots=True)
class Parameters:
    """The whole parameter set; `DEFAULT` is what `reachable simulate` uses."""

    population: Population = field(default_factory=Population)
    care: Care = field(default_factory=Care)
    exploitation: Exploitation = field(default_factory=Exploitation)
    police: Police = field(default_factory=Police)
    response: Response = field(default_factory=Response)
    noise: Noise = field(default_factory=Noise)
    signals: dict[str, SignalSpec] = field(default_factory=lambda: dict(SIGNALS))
    chunk_children: int = 20000


DEFAULT = Parameters()
