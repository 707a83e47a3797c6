#!/usr/bin/env python3
"""Writes regions.tsv: every ISO 3166 region with its name in English, Spanish and Portuguese
(Brazil), from the Unicode CLDR as the Babel package ships it (Unicode License v3).

Run it again after a CLDR release: `python3 -m pip install babel && python3 regions.py`.
The server keeps only the regions the phone-number metadata knows (a dial prefix)."""
import pathlib

from babel import Locale

LOCALES = [Locale("en"), Locale("es"), Locale("pt", "BR")]
# Two-letter codes of CLDR that are not places a company or a phone belongs to.
NOT_REGIONS = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


def main() -> None:
    en = LOCALES[0].territories
    codes = sorted(c for c in en if len(c) == 2 and c.isalpha() and c not in NOT_REGIONS)
    out = pathlib.Path(__file__).with_name("regions.tsv")
    with out.open("w", encoding="utf-8", newline="\n") as f:
        f.write(f"# code\ten\tes\tpt-BR  (Unicode CLDR via Babel; written by regions.py)\n")
        for code in codes:
            names = [loc.territories.get(code, en[code]) for loc in LOCALES]
            f.write("\t".join([code, *names]) + "\n")


if __name__ == "__main__":
    main()
