#!/usr/bin/env python3
"""The files of `make import-bench` (scripts/import-bench.sh): a plannings
CSV and a reservations CSV in the columns of docs/imports.md.

    import-bench-gen.py plannings MOTIFS.csv FIRST_MONDAY GUICHETS > PLANNINGS.csv
    import-bench-gen.py reservations MOTIFS.csv FIRST_MONDAY GUICHETS LINES SEED > RESERVATIONS.csv

MOTIFS.csv (no header) lists `site_id,time_zone,motif_id,duration_minutes`
for the sites of one metropolitan département. The plannings give GUICHETS
new guichets, spread over those motifs (one motif each), open Monday to
Friday 08:00-12:00 and 13:00-17:00 from FIRST_MONDAY on. The reservations
are LINES coming appointments on those guichets' slots, in the order of
their days (as a former module's export would be), at most one per imported
guichet and slot, skipping weekends and metropolitan public holidays, each
for a different person (names and birth dates vary with the line), with a
deterministic sprinkle of languages and nationalities (random.Random(SEED)).
The demo's own guichets add room but take none of these lines' places.

Python 3 standard library only.
"""

import csv
import datetime as dt
import random
import sys
from zoneinfo import ZoneInfo

# The imported guichets' day: two plages, local time of the site.
PLAGES = (("08:00", "12:00"), ("13:00", "17:00"))
WEEKDAYS = "monday|tuesday|wednesday|thursday|friday"
LAST_NAMES = (
    "Martin", "Bernard", "Diallo", "Nguyen", "Haddad", "Traoré", "Kowalski",
    "Da Silva", "Benali", "O'Brien", "Petit", "Moreau", "Camara", "Yılmaz",
)
NATIONALITIES = ("DZA", "MAR", "TUN", "SEN", "MLI", "CIV", "TUR", "CHN", "", "")


def easter(year):
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def holidays(year):
    """Metropolitan France's eleven public holidays (Code du travail,
    L3133-1), as Planipref closes them outside Alsace-Moselle."""
    e = easter(year)
    fixed = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
    days = {dt.date(year, m, d) for m, d in fixed}
    days |= {e + dt.timedelta(days=n) for n in (1, 39, 50)}
    return days


def read_motifs(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r]
    if not rows:
        sys.exit(f"{path}: no motif")
    return [(s, tz, m, int(d)) for s, tz, m, d in rows]


def guichets(motifs, count):
    """(external id, site, zone, motif, duration) of each imported guichet:
    round robin over the motifs."""
    return [
        (f"BENCH-G{n:03}", *motifs[n % len(motifs)]) for n in range(count)
    ]


def plannings(motifs, first_monday, count):
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow([
        "site_id", "guichet_external_id", "guichet_name", "motif_ids",
        "plage_external_id", "weekdays", "start", "end", "valid_from",
        "valid_until",
    ])
    for ext, site, _tz, motif, _d in guichets(motifs, count):
        for p, (start, end) in enumerate(PLAGES):
            out.writerow([
                site, ext, f"Guichet importé {ext[-3:]}", motif, f"{ext}-P{p}",
                WEEKDAYS, start, end, first_monday.isoformat(), "",
            ])


def slots(motifs, first_monday, count):
    """Every slot of the imported guichets, day after day: (motif, zone,
    local start). Each guichet's slots step by its motif's duration from
    each plage's start, whole inside the plage."""
    day = first_monday
    closed = set()
    while True:
        if day.year not in {h.year for h in closed}:
            closed |= holidays(day.year)
        if day.weekday() < 5 and day not in closed:
            day_slots = []
            for _ext, _site, tz, motif, duration in guichets(motifs, count):
                for start, end in PLAGES:
                    t = dt.datetime.combine(day, dt.time.fromisoformat(start))
                    stop = dt.datetime.combine(day, dt.time.fromisoformat(end))
                    while t + dt.timedelta(minutes=duration) <= stop:
                        day_slots.append((t, motif, tz))
                        t += dt.timedelta(minutes=duration)
            day_slots.sort()
            yield from day_slots
        day += dt.timedelta(days=1)


def name(n):
    """A first name made of letters only, different for every n."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    s = ""
    n += 26 * 26  # at least three letters
    while n:
        n, r = divmod(n, 26)
        s = letters[r] + s
    return s.capitalize()


def reservations(motifs, first_monday, count, lines, seed):
    rng = random.Random(seed)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow([
        "external_id", "reference", "motif_id", "start", "persons",
        "last_name", "first_names", "birth_date", "email", "phone",
        "nationality", "file_number", "language",
    ])
    born = dt.date(1950, 1, 1)
    for n, (local, motif, tz) in enumerate(slots(motifs, first_monday, count)):
        if n == lines:
            break
        start = local.replace(tzinfo=ZoneInfo(tz)).isoformat()
        out.writerow([
            f"BENCH-R{n:06}", "", motif, start, "1",
            rng.choice(LAST_NAMES), f"{name(n)} {name(rng.randrange(10_000))}",
            (born + dt.timedelta(days=rng.randrange(20_000))).isoformat(),
            f"demandeur.{n}@example.org", f"06{n:08}",
            rng.choice(NATIONALITIES), "", "en" if rng.random() < 0.1 else "fr",
        ])


def main(argv):
    if len(argv) == 5 and argv[1] == "plannings":
        plannings(read_motifs(argv[2]), dt.date.fromisoformat(argv[3]), int(argv[4]))
    elif len(argv) == 7 and argv[1] == "reservations":
        reservations(
            read_motifs(argv[2]), dt.date.fromisoformat(argv[3]), int(argv[4]),
            int(argv[5]), int(argv[6]),
        )
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
