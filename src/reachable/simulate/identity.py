"""Identity noise: each agency's own person ids, duplicate registrations and how it writes a child down."""

from __future__ import annotations

import random
from dataclasses import dataclass

from reachable.simulate.areas import AREA_BY_CODE, FORCES
from reachable.simulate.names import NICKNAMES, SURNAME_VARIANTS, VARIANTS
from reachable.simulate.parameters import Parameters
from reachable.simulate.people import Child
from reachable.simulate.rand import scramble, to_date

_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
FORCE_PREFIX = {f.code: f.id_prefix for f in FORCES}
_KEYBOARD = "abcdefghijklmnopqrstuvwxyz"


def upn_check_letter(body: str) -> str:
    """DfE UPN check letter for the 12 characters after it (weights 2..13, modulo 23)."""
    total = sum(int(ch) * w for ch, w in zip(body, range(2, 14), strict=True))
    return _UPN_LETTERS[total % 23]


def make_upn(la: str, n: int) -> str:
    """A well-formed 13-character UPN: check letter, DfE LA number, then 9 unique digits."""
    body = la + scramble(n, 11, 9)
    return upn_check_letter(body) + body


def nhs_check_digit(nine: str) -> int:
    """NHS number modulus-11 check digit (10 means the number is invalid)."""
    total = sum(int(ch) * w for ch, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else check


def make_nhs(n: int) -> str:
    """A valid-checksum NHS number in the 9xx range, which is never issued to real patients."""
    k = n
    while True:
        nine = "9" + scramble(k, 13, 8)
        check = nhs_check_digit(nine)
        if check != 10:
            return nine + str(check)
        k += 50_000_000


@dataclass(slots=True)
class Registration:
    """How one agency person record first wrote the child down (its errors persist on that record)."""

    person_id: str
    forename: str
    surname: str
    dob: float | None
    dob_swapped: bool
    sex: str


def _typo(rng: random.Random, s: str) -> str:
    """One keyboard slip: drop, double, swap or replace a letter."""
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.randrange(4)
    if op == 0:
        return s[:i] + s[i + 1 :]
    if op == 1:
        return s[:i] + s[i] + s[i:]
    if op == 2:
        return s[: i - 1] + s[i] + s[i - 1] + s[i + 1 :]
    return s[:i] + rng.choice(_KEYBOARD) + s[i + 1 :]


def _surname_form(rng: random.Random, surname: str) -> str:
    """Double-barrelled names are often recorded as one half or without the hyphen."""
    if "-" in surname and rng.random() < 0.4:
        a, b = surname.split("-", 1)
        return rng.choice((a, b, f"{a} {b}"))
    if surname in SURNAME_VARIANTS and rng.random() < 0.15:
        return rng.choice(SURNAME_VARIANTS[surname])
    return surname


class ChildIdentity:
    """All agency registrations of one child, created lazily as agencies meet them."""

    def __init__(self, child: Child, counters: dict[str, int], params: Parameters, rng: random.Random) -> None:
        """Bind the child to the world's per-agency id counters and a private generator."""
        self.child = child
        self.counters = counters
        self.noise = params.noise
        self.rng = rng
        self.by_agency: dict[str, list[Registration]] = {}
        self.upn = make_upn(AREA_BY_CODE[child.addresses[0].area].dfe_la, child.index)
        self.nhs = make_nhs(child.index)
        self.schools: dict[str, str] = {}

    def _new_id(self, agency: str) -> str:
        """A new person id in the agency's own format."""
        n = self.counters.get(agency, 0)
        self.counters[agency] = n + 1
        kind, _, area = agency.partition("-")
        salt = sum(ord(c) for c in agency)
        if kind == "POL":
            return FORCE_PREFIX[area] + scramble(n, salt, 8)
        if kind == "CSC":
            return scramble(n, salt, 8)
        if kind == "EDU":
            return make_upn(AREA_BY_CODE[area].dfe_la, 50_000_000 + n * 7 + salt % 7)
        if kind == "HLT":
            return f"H{AREA_BY_CODE[area].dfe_la}{scramble(n, salt, 7)}"
        if kind == "YJS":
            return f"YJ{scramble(n, salt, 7)}"
        if kind == "NRM":
            return f"NRM{scramble(n, salt, 8)}"
        return f"VC{scramble(n, salt, 6)}"

    def person(self, agency: str, t: float) -> Registration:
        """The registration this agency files a new record under (sometimes a fresh duplicate)."""
        regs = self.by_agency.setdefault(agency, [])
        kind = agency.split("-", 1)[0]
        rng = self.rng
        if regs and rng.random() >= self.noise.duplicate_person[kind]:
            return regs[0] if len(regs) == 1 or rng.random() < 0.7 else rng.choice(regs)
        if kind == "EDU" and not regs and not any(k.startswith("EDU") for k in self.by_agency if k != agency):
            pid = self.upn  # a child's first school uses the canonical UPN that CSC also records
        elif kind == "EDU" and not regs:
            pid = self.upn if rng.random() < 0.9 else self._new_id(agency)  # UPN follows the child
        else:
            pid = self._new_id(agency)
        regs.append(self._register(pid, kind, t))
        return regs[-1]

    def _register(self, pid: str, kind: str, t: float) -> Registration:
        """Write the child down once, with this agency kind's error rates."""
        c, n, rng = self.child, self.noise, self.rng
        fore = c.forename
        if fore in VARIANTS and rng.random() < n.variant_spelling:
            fore = rng.choice(VARIANTS[fore])
        if fore in NICKNAMES and rng.random() < n.nickname[kind]:
            fore = rng.choice(NICKNAMES[fore])
        sur = _surname_form(rng, c.surname_at(t))
        if rng.random() < n.typo[kind]:
            if rng.random() < 0.5:
                fore = _typo(rng, fore)
            else:
                sur = _typo(rng, sur)
        if rng.random() < n.swap_names[kind]:
            fore, sur = sur, fore
        dob: float | None = c.dob
        swapped = False
        d = to_date(c.dob)
        if rng.random() < n.dob_missing[kind]:
            dob = None
        elif d.day <= 12 and d.day != d.month and rng.random() < n.dob_transposed[kind]:
            swapped = True
        elif rng.random() < n.dob_typo:
            dob = c.dob + rng.choice((-1, 1, -365, 365, 10, -10))
        sex = c.sex if rng.random() >= n.sex_unknown else "U"
        return Registration(pid, fore, sur, dob, swapped, sex)

    def record_names(self, reg: Registration, kind: str) -> tuple[str, str]:
        """Forename and surname as written on one record (police and VCS records vary record to record)."""
        fore, sur = reg.forename, reg.surname
        if kind in ("POL", "VCS") and self.rng.random() < self.noise.nickname[kind] / 2:
            fore = self.rng.choice(NICKNAMES.get(self.child.forename, (self.child.forename,)))
        return fore, sur

    def postcode(self, kind: str, t: float) -> str:
        """The home postcode on file at time t: sometimes missing, sometimes a previous address."""
        rng = self.rng
        if rng.random() < self.noise.postcode_missing[kind]:
            return ""
        addrs = self.child.addresses
        current = self.child.address_at(t)
        if len(addrs) > 1 and rng.random() < self.noise.postcode_stale:
            i = addrs.index(current)
            current = addrs[max(0, i - 1)]
        pc = current.postcode
        if kind == "POL" and rng.random() < 0.05:
            pc = pc.replace(" ", "").lower()
        return pc


def dob_text(reg: Registration, fmt: str = "%d/%m/%Y") -> str:
    """The date of birth as this registration records it (day and month swapped if mistyped)."""
    if reg.dob is None:
        return ""
    d = to_date(reg.dob)
    if reg.dob_swapped:
        d = d.replace(day=d.month, month=d.day)
    return d.strftime(fmt)
