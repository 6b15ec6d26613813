"""Canonical names for countries and the bodies that sanction, plus demonyms.

A small hand-kept table: news copy uses a handful of spellings per country and agency,
and the marts need one name per thing so counts add up. Keys are lower-cased, with dots
and a leading "the" removed (see alias_key), so "the U.S." and "US" share a key.
"""

from __future__ import annotations

import re
from functools import lru_cache

# canonical name -> spellings seen in copy (the canonical name is added automatically)
COUNTRIES: dict[str, tuple[str, ...]] = {
    "United States": ("US", "USA", "United States of America", "America", "Washington"),
    "United Kingdom": ("UK", "Britain", "Great Britain", "London"),
    "Russia": ("Russian Federation", "Moscow", "Kremlin"),
    "China": ("People's Republic of China", "PRC", "Beijing"),
    "Iran": ("Islamic Republic of Iran", "Tehran"),
    "North Korea": ("DPRK", "Democratic People's Republic of Korea", "Pyongyang"),
    "South Korea": ("Republic of Korea", "Seoul"),
    "Syria": ("Syrian Arab Republic", "Damascus"),
    "Venezuela": ("Caracas",),
    "Belarus": ("Minsk",),
    "Ukraine": ("Kyiv", "Kiev"),
    "France": ("Paris",),
    "Germany": ("Berlin",),
    "Japan": ("Tokyo",),
    "Turkey": ("Turkiye", "Türkiye", "Ankara"),
    "Myanmar": ("Burma",),
    "Czech Republic": ("Czechia",),
    "United Arab Emirates": ("UAE",),
    "Saudi Arabia": ("Riyadh",),
    "Israel": (),
    "Cuba": ("Havana",),
}
# Capitals stand for governments in copy ("Washington imposed ..."), but a capital in a
# dateline or a place sentence is the city: only alias them when used as an authority.
CAPITAL_ALIASES = {
    "washington", "london", "moscow", "kremlin", "beijing", "tehran", "pyongyang",
    "seoul", "damascus", "caracas", "minsk", "kyiv", "kiev", "paris", "berlin", "tokyo",
    "ankara", "riyadh", "havana",
}

ORGANIZATIONS: dict[str, tuple[str, ...]] = {
    "European Union": ("EU", "E.U.", "Brussels"),
    "United Nations": ("UN", "U.N.", "United Nations Organization"),
    "United Nations Security Council": ("UN Security Council", "Security Council", "UNSC"),
    "Council of the European Union": ("EU Council", "European Council", "Council of the EU"),
    "European Commission": ("Commission", "EU Commission"),
    "United States Department of the Treasury": (
        "US Treasury", "Treasury", "Treasury Department", "Department of the Treasury",
        "US Treasury Department", "US Department of the Treasury", "Treasury's Office of "
        "Foreign Assets Control", "Office of Foreign Assets Control", "OFAC",
    ),
    "United States Department of State": ("State Department", "US State Department",
                                          "Department of State"),
    "United States Department of Commerce": ("Commerce Department", "Department of Commerce"),
    "HM Treasury": ("Office of Financial Sanctions Implementation", "OFSI",
                    "UK Treasury", "British Treasury"),
    "Foreign, Commonwealth and Development Office": ("Foreign Office", "FCDO",
                                                     "UK Foreign Office"),
    "North Atlantic Treaty Organization": ("NATO",),
    "Group of Seven": ("G7", "G-7"),
}

# Ministries and agencies -> the government they act for: an announcement by the
# Foreign Office of a British measure is the United Kingdom's.
GOVERNMENT_OF: dict[str, str] = {
    "Foreign, Commonwealth and Development Office": "United Kingdom",
    "HM Treasury": "United Kingdom",
    "United States Department of the Treasury": "United States",
    "United States Department of State": "United States",
    "United States Department of Commerce": "United States",
    "Council of the European Union": "European Union",
    "European Commission": "European Union",
}

# Seats and bodies of a national government -> that country: an article that names
# "Downing Street" or "the House of Commons" is about the British government, so its
# unnamed "the government" or "ministers" are Britain's.
INSTITUTIONS: dict[str, str] = {
    "House of Commons": "United Kingdom", "House of Lords": "United Kingdom",
    "Downing Street": "United Kingdom", "Whitehall": "United Kingdom",
    "White House": "United States", "Congress": "United States",
    "Capitol Hill": "United States", "Kremlin": "Russia", "State Duma": "Russia",
    "Elysee Palace": "France", "Élysée": "France", "Bundestag": "Germany",
    "Knesset": "Israel", "Lok Sabha": "India", "Zhongnanhai": "China",
}

# demonym / adjective -> country, for role_country ("Iranian Foreign Minister")
DEMONYMS: dict[str, str] = {
    "american": "United States", "us": "United States", "british": "United Kingdom",
    "uk": "United Kingdom", "russian": "Russia", "chinese": "China", "iranian": "Iran",
    "north korean": "North Korea", "south korean": "South Korea", "syrian": "Syria",
    "venezuelan": "Venezuela", "belarusian": "Belarus", "ukrainian": "Ukraine",
    "french": "France", "german": "Germany", "japanese": "Japan", "turkish": "Turkey",
    "israeli": "Israel", "cuban": "Cuba", "saudi": "Saudi Arabia", "emirati":
    "United Arab Emirates", "european": "European Union", "eu": "European Union",
    "italian": "Italy", "spanish": "Spain", "indian": "India", "pakistani": "Pakistan",
    "afghan": "Afghanistan", "iraqi": "Iraq", "libyan": "Libya", "egyptian": "Egypt",
    "canadian": "Canada", "australian": "Australia", "mexican": "Mexico",
    "brazilian": "Brazil", "polish": "Poland", "dutch": "Netherlands", "swiss":
    "Switzerland", "swedish": "Sweden", "norwegian": "Norway", "lebanese": "Lebanon",
    "yemeni": "Yemen", "sudanese": "Sudan", "burmese": "Myanmar", "nicaraguan": "Nicaragua",
}

# Wire agencies and picture desks: never people in the story.
NEWS_AGENCIES = {
    "afp": "Agence France-Presse", "agence france-presse": "Agence France-Presse",
    "reuters": "Reuters", "ap": "Associated Press", "associated press": "Associated Press",
    "upi": "United Press International", "getty images": "Getty Images",
    "getty": "Getty Images", "epa": "EPA", "bloomberg": "Bloomberg", "dpa": "dpa",
    "xinhua": "Xinhua", "tass": "TASS",
}

_DOTS = re.compile(r"(?<=\b[A-Za-z])\.|\.(?=\w|$)")  # "U.N. Security" -> "UN Security"
_SPACE = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the\s+", re.I)
_POSSESSIVE = re.compile(r"[’']s?$")


@lru_cache(maxsize=65_536)  # called for every mention and name; the same names recur
def alias_key(name: str) -> str:
    """Lower-case, no dots ("U.S." -> "us"), no leading "the", no possessive, one space."""
    key = _SPACE.sub(" ", name.replace("\u2019", "'")).strip()
    key = _POSSESSIVE.sub("", _LEADING_THE.sub("", key))
    return _DOTS.sub("", key).strip().lower()


def _table(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table = {}
    for canonical, spellings in groups.items():
        for spelling in (canonical, *spellings):
            table[alias_key(spelling)] = canonical
    return table


COUNTRY_TABLE = _table(COUNTRIES)
ORG_TABLE = _table(ORGANIZATIONS)


def canonical_country(name: str, allow_capital: bool = False) -> str | None:
    key = alias_key(name)
    if key in CAPITAL_ALIASES and not allow_capital:
        return None
    return COUNTRY_TABLE.get(key) or DEMONYMS.get(key)


def canonical_org(name: str) -> str | None:
    key = alias_key(name)
    # "US Treasury's OFAC", "the U.S. Treasury Department": try without the country
    return ORG_TABLE.get(key) or ORG_TABLE.get(re.sub(r"^(us|uk|eu) ", "", key))


def canonical_name(name: str, allow_capital: bool = False) -> str:
    """The table's canonical name for a country or body, else the name tidied."""
    return (canonical_org(name) or canonical_country(name, allow_capital)
            or _LEADING_THE.sub("", _SPACE.sub(" ", name).strip()))


def is_known_place(name: str) -> bool:
    return alias_key(name) in COUNTRY_TABLE
