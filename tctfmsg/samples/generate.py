"""Regenerates subscribers.csv, the bundled sample list: deterministic, so it never churns.

1,200 rows: mostly subscribed, some unsubscribed and bounced, a handful of bad addresses and
case-variant duplicates, so an import shows every outcome. Run: python -m tctfmsg.samples.generate
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Radia"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Liskov", "Ritchie"]
CITIES = ["Oslo", "Lisbon", "Nairobi", "Osaka", "Lima", "Toronto", "Pune", "Tallinn"]
PLANS = ["free", "pro", "team"]
BAD = ["not-an-address", "missing-at.example.com", "two@@example.com", "trailing@", "@no-local.io"]


def rows(count: int = 1200, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{i}@example.com".lower()
        roll = rng.random()
        status = "unsubscribed" if roll < 0.05 else "bounced" if roll < 0.07 else "subscribed"
        out.append([email, first, last, rng.choice(CITIES), rng.choice(PLANS), status])
    for n, bad in enumerate(BAD):
        out.insert(100 * (n + 1), [bad, "Bad", "Row", "Oslo", "free", "subscribed"])
    for n in range(3):  # the same people again, in other case: merged, not doubled
        original = out[10 + n]
        out.append([original[0].upper(), original[1], original[2], "Oslo", "pro", "subscribed"])
    return out


def main() -> None:
    target = Path(__file__).with_name("subscribers.csv")
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "first_name", "last_name", "city", "plan", "status"])
        writer.writerows(rows())


if __name__ == "__main__":
    main()
