"""Presented tables mirroring Counting Lives chapter 3 (Tables 4–9, Figures 2–7), with year-on-year changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from reachable.reports.schemas import ALL, Cell, ReturnOut, Table, TableRow

SEX = {"M": "boys", "F": "girls", "U": "sex not recorded"}
SETTING = {"home": "from home", "care": "from care"}


@dataclass(frozen=True)
class Row:
    """A row specification: a statistic's cell (dims, measure) at the table's area or an override."""

    label: str
    statistic: str
    dims: dict[str, str] = field(default_factory=dict)
    measure: str = "count"
    area: str | None = None


def _cce() -> list[Row]:
    rows = [Row("Children identified at risk of CCE", "cce_children_at_risk")]
    rows += [Row(f"  of whom {label}", "cce_children_at_risk", {"status": code}) for code, label in
             (("cin", "on a child in need plan"), ("cp", "on a child protection plan"), ("lac", "looked after"),
              ("none", "on no plan"))]
    rows += [Row("Looked-after children at risk placed outside their home council", "cce_lac_placed_out_of_area",
                 {"status": "lac"}),
             Row("  as % of looked-after children at risk", "cce_lac_placed_out_of_area_share", {"status": "lac"},
                 "percent")]
    return rows


def _missing() -> list[Row]:
    rows = []
    for setting, label in SETTING.items():
        rows += [Row(f"Children missing {label}: {SEX[s]}", "missing_children", {"setting": setting, "sex": s})
                 for s in ("M", "F")]
        rows += [Row(f"Missing episodes {label}: {SEX[s]}", "missing_episodes", {"setting": setting, "sex": s})
                 for s in ("M", "F")]
        rows += [Row(f"Episodes per child {label}: {SEX[s]}", "missing_episodes_per_child",
                     {"setting": setting, "sex": s}, "ratio") for s in ("M", "F")]
        rows += [Row(f"All children missing {label}", "missing_children", {"setting": setting}),
                 Row(f"All missing episodes {label}", "missing_episodes", {"setting": setting})]
    return rows


def _found() -> list[Row]:
    rows = [Row("Episodes with a recorded return", "missing_found_episodes")]
    for stat, label in (("missing_found_outside_council", "Found outside the home council"),
                        ("missing_found_outside_force", "Found outside the home police force area"),
                        ("rhi_offered_within_72h", "Return home interview offered within 72 hours"),
                        ("rhi_accepted", "Return home interview accepted")):
        rows += [Row(label, stat), Row("  % of returned episodes", f"{stat}_share", measure="percent")]
        rows += [Row(f"  {SETTING[s]}", stat, {"setting": s}) for s in SETTING]
    return rows


def _arrests(exclude: str | None, area: str) -> list[Row]:
    rows: list[Row] = []
    for offence, label in (("possession_class_a", "possession of class A"), ("pwits_class_a", "PWITS class A")):
        o = {"offence": offence}
        rows.append(Row(f"Children arrested for {label}: total", "arrested_children_class_a", o))
        if exclude:
            rows.append(Row(f"  excluding force {exclude}", "arrested_children_class_a", o,
                            area=f"{area} excl. {exclude}"))
        rows.append(Row(f"Arrests for {label}", "arrests_class_a", o))
        rows += [Row(f"  {SEX[s]}", "arrested_children_class_a", {**o, "sex": s}) for s in SEX]
        rows += [Row(f"  living {r} the force area", "arrested_children_class_a", {**o, "residence": r})
                 for r in ("inside", "outside")]
        rows += [Row(f"  with a {flag.upper() if flag in ('cce', 'cse') else flag} marker at arrest",
                     "arrested_children_class_a", {**o, f"marker_{flag}": "yes"})
                 for flag in ("cce", "cse", "missing", "trafficking")]
        rows.append(Row("  with any vulnerability marker", "arrested_children_class_a", {**o, "marker_any": "yes"}))
    return rows


def _nationality() -> list[Row]:
    return [Row(f"{label}: {group} young people (%)", "arrests_class_a_nationality_share",
                {"offence": offence, "nationality": code}, "percent")
            for offence, label in (("possession_class_a", "Possession of class A"), ("pwits_class_a", "PWITS class A"))
            for code, group in (("british", "British"), ("non_british", "non-British"))]


def _searches(exclude: str | None, area: str) -> list[Row]:
    rows = [Row("Children aged 10–17 stopped and searched", "stop_search_children")]
    if exclude:
        rows.append(Row(f"  excluding force {exclude}", "stop_search_children", area=f"{area} excl. {exclude}"))
    rows += [Row(f"  {SEX[s]}", "stop_search_children", {"sex": s}) for s in SEX]
    rows += [Row(f"  living {r} the force area", "stop_search_children", {"residence": r})
             for r in ("inside", "outside", "unknown")]
    rows += [Row("Stop and searches", "stop_searches"), Row("Searches on drugs grounds", "stop_searches_drugs"),
             Row("  offensive weapon or firearm found", "stop_searches_drugs_weapon"),
             Row("  % where a weapon or firearm was found", "stop_searches_drugs_weapon_share", measure="percent")]
    return rows


def _nrm() -> list[Row]:
    rows = [Row("Children referred to the NRM", "nrm_referrals")]
    rows += [Row(f"  {t.replace('_', ' ')} exploitation", "nrm_referrals", {"type": t})
             for t in ("criminal", "sexual", "labour", "domestic_servitude", "unknown")]
    rows += [Row("  county lines", "nrm_referrals", {"county_lines": "yes"})]
    rows += [Row(f"  {SEX[s]}", "nrm_referrals", {"sex": s}) for s in SEX]
    rows += [Row(f"  living {r} the force area", "nrm_referrals", {"residence": r}) for r in ("inside", "outside")]
    rows += [Row(f"  {n.replace('_', '-')}", "nrm_referrals", {"nationality": n}) for n in ("british", "non_british")]
    for stage, label in (("rg", "Reasonable grounds"), ("cg", "Conclusive grounds")):
        rows += [Row(f"{label} decisions", f"nrm_{stage}_decisions"),
                 Row("  positive", f"nrm_{stage}_decisions", {"outcome": "positive"}),
                 Row("  % of referrals decided", f"nrm_{stage}_decision_rate", measure="percent"),
                 Row("  % positive", f"nrm_{stage}_positive_rate", {"outcome": "positive"}, "percent"),
                 Row("  days to decision (mean)", f"nrm_days_to_{stage}", measure="mean"),
                 Row("  days to decision (median)", f"nrm_days_to_{stage}", measure="median")]
    return rows


def _dynamic(cells: list[Cell], statistic: str, dim: str, area: str) -> list[str]:
    """The values a dynamic dimension (rule ids, risk levels) takes in the cells."""
    return sorted({c.dims[dim] for c in cells if c.statistic == statistic and dim in c.dims and c.area == area})


def _moments(cells: list[Cell], area: str) -> list[Row]:
    rows = [Row("Reachable moments fired (all rules)", "reachable_moments_fired"),
            Row("  acted on in time", "reachable_moments_acted_in_time"),
            Row("  % in time", "reachable_moments_in_time_share", measure="percent")]
    for rule in _dynamic(cells, "reachable_moments_fired", "rule", area):
        rows += [Row(f"Rule {rule}: fired", "reachable_moments_fired", {"rule": rule}),
                 Row(f"Rule {rule}: acted on in time", "reachable_moments_acted_in_time", {"rule": rule}),
                 Row(f"Rule {rule}: % in time", "reachable_moments_in_time_share", {"rule": rule}, "percent")]
    return rows


def _help(cells: list[Cell], area: str) -> list[Row]:
    rows = [Row("Children with a first indicator of risk", "children_first_indicator"),
            Row("  followed by a safeguarding response", "children_first_indicator", {"status": "responded"}),
            Row("  still awaiting a response", "children_first_indicator", {"status": "awaiting"}),
            Row("Days from first indicator to first response (mean)", "days_to_first_response", measure="mean"),
            Row("Days from first indicator to first response (median)", "days_to_first_response", measure="median"),
            Row("Children with a risk assessment", "children_by_risk_level")]
    rows += [Row(f"  latest risk level: {level}", "children_by_risk_level", {"level": level})
             for level in _dynamic(cells, "children_by_risk_level", "level", area)]
    return rows


def _by_area(cells: list[Cell], names: dict[str, str]) -> list[Row]:
    areas = sorted({c.area for c in cells if c.area != ALL and " excl. " not in c.area})
    headline = (("cce_children_at_risk", "children at risk of CCE"), ("missing_children", "children missing"),
                ("arrested_children_class_a", "children arrested (class A)"), ("nrm_referrals", "NRM referrals"))
    return [Row(f"{names.get(a, a)} ({a}): {label}", stat, area=a) for a in areas for stat, label in headline]


def build_tables(ret: ReturnOut, names: dict[str, str]) -> list[Table]:
    """Every presented table of a return, from its cells."""
    area, cells = ret.area, ret.cells
    specs: list[tuple[str, str, str, str, list[Row]]] = [
        ("cce", "Children identified at risk of CCE", "Chapter 3.2 (children at risk, by plan; LAC out of area)",
         "A child counts once per period, under the highest of looked after, CP plan, CIN plan.", _cce()),
        ("missing", "Children missing from home and from care", "Tables 4 and 9",
         "Episodes are counted in the period they started.", _missing()),
        ("missing_found", "Where missing children were found; return home interviews",
         "Table 9 (found outside the area); RHI", "Shares are of episodes with a recorded return.", _found()),
        ("arrests", "Children aged 10–17 arrested for class A drug offences", "Table 5; Figures 2 and 3",
         "Markers held at the time of arrest.", _arrests(ret.exclude_force, area)),
        ("arrests_nationality", "Nationality of children arrested for class A offences", "Table 6",
         "Percentages of arrests; nationality unknown is left out of neither base.", _nationality()),
        ("stop_search", "Stop and search of children aged 10–17", "Tables 7 and 8; Figures 4 and 5",
         "Drugs grounds as recorded on the search.", _searches(ret.exclude_force, area)),
        ("nrm", "NRM referrals and decisions for children", "Figures 6 and 7; NRM decisions",
         "Decisions are those on referrals made in the period.", _nrm()),
        ("moments", "Reachable moments fired and acted on in time", "What the report wished it could know",
         "Tasks raised by reachable-moment rules.", _moments(cells, area)),
        ("time_to_help", "Time to help, and risk over time", "What the report wished it could know",
         "Risk level: each child's latest assessment at the end of the period.", _help(cells, area)),
    ]
    if area == ALL:
        specs.append(("by_area", "Headline figures by area", "Per-area view of the national return",
                      "Areas: home councils for children's services figures, force areas for police figures.",
                      _by_area(cells, names)))
    index = {(c.statistic, c.area, c.period, c.measure, tuple(sorted(c.dims.items()))): c for c in cells}
    labels = [p.label for p in ret.periods]
    change_columns = [f"Change {labels[i - 1]} to {labels[i]}" for i in range(1, len(labels))]
    if len(labels) > 2:
        change_columns.append(f"Change from {labels[0]}")
    tables = []
    for table_id, title, mirrors, note, rows in specs:
        out_rows = []
        for row in rows:
            found = [index.get((row.statistic, row.area or area, label, row.measure, tuple(sorted(row.dims.items()))))
                     for label in labels]
            values = [c.value if c else None for c in found]
            flags = [c.flag if c else "no data" for c in found]
            out_rows.append(TableRow(label=row.label, statistic=row.statistic, dims=row.dims, measure=row.measure,
                                     values=values, flags=flags, changes=_changes(values, row.measure)))
        tables.append(Table(id=table_id, title=title, mirrors=mirrors, note=note, columns=labels,
                            change_columns=change_columns, rows=out_rows))
    return tables


def _changes(values: list[float | None], measure: str) -> list[float | None]:
    """Year-on-year changes, then change from the first period: % for counts, points for percentages."""
    def change(old: float | None, new: float | None) -> float | None:
        if old is None or new is None:
            return None
        if measure == "percent":
            return round(new - old, 1)
        return None if old == 0 else round(100.0 * (new - old) / old, 1)

    steps = [change(values[i - 1], values[i]) for i in range(1, len(values))]
    return steps + ([change(values[0], values[-1])] if len(values) > 2 else [])
