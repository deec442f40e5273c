"""Where a report comes from: the city and province (行政区划) of its county, from ``data/regions.txt``.

locate(region, text, title)   → Place(province, city): 湟中区 → 青海省, 西宁市
names_city_or_province(text)  whether a title names a city or province in full (焦作市教育局…)

A county's name is looked up whole, else without its 区/县/市/旗 (湟中县 of the 2020 list is 湟中区 today). Where
several counties have the name (和平区: 天津市 and 沈阳市), the report's own text decides: the candidate whose city
or province it names most (天津 eight times in heping-edu-2024); where it names neither or both as often, the place
stays unknown ("" for both) rather than guessed. A report with no county (焦作市教育局…) is placed by the first
city or province its title names in full. A province-level municipality (北京市, 天津市, 上海市, 重庆市) is its own
city.
"""

from __future__ import annotations

import functools
import importlib.resources
import re

import attrs

__all__ = ["Place", "locate", "names_city_or_province"]

_MUNICIPALITIES = ("11", "12", "31", "50")  # 北京, 天津, 上海, 重庆: their counties lie in no other city
_COUNTY_SUFFIX = re.compile("(?:区|县|市|旗)$")
_CITY_SUFFIX = re.compile("(?:市|地区|盟)$")


@attrs.frozen
class Place:
    """A report's province and prefecture-level city ("" where unknown)."""

    province: str = ""
    city: str = ""


@attrs.frozen
class _Gazetteer:
    names: dict[str, str]  # six-digit code → name
    counties: dict[str, tuple[str, ...]]  # a county's name, and its name without 区/县/市/旗 → codes
    whole: dict[str, str]  # a city's or province's full name → its code


@functools.cache
def _gazetteer() -> _Gazetteer:
    text = (importlib.resources.files("lawsearch") / "data" / "regions.txt").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t")
            names[code] = name
    counties: dict[str, list[str]] = {}
    whole: dict[str, str] = {}
    for code, name in names.items():
        if code.endswith("00"):
            whole.setdefault(name, code)
            continue
        for key in dict.fromkeys((name, _stem(name))):
            counties.setdefault(key, []).append(code)
    return _Gazetteer(names, {key: tuple(codes) for key, codes in counties.items()}, whole)


def _stem(county: str) -> str:
    """A county's name without 区/县/市/旗, where two characters or more remain (湟中 of 湟中县; 城区 stays)."""
    stem = _COUNTY_SUFFIX.sub("", county)
    return stem if len(stem) >= 2 else county


def _place(code: str) -> Place:
    names = _gazetteer().names
    province = names.get(code[:2] + "0000", "")
    if code[:2] in _MUNICIPALITIES:
        return Place(province, province)
    city = "" if code.endswith("0000") else names.get(code[:4] + "00", "")
    return Place(province, city)


def _short(name: str) -> str:
    """How text names a city or province in short: 三门峡 of 三门峡市, 恩施 of 恩施土家族苗族自治州, 河南 of 河南省,
    广西 of 广西壮族自治区."""
    if name.endswith(("省", "自治区", "特别行政区", "自治州")):
        return name[:2]  # every province's first two characters are its own (内蒙 of 内蒙古自治区 too)
    short = _CITY_SUFFIX.sub("", name)
    return short if len(short) >= 2 else name


def names_city_or_province(text: str) -> bool:
    """Whether ``text`` names a city or province in full (焦作市, 河南省): a report whose title does is about it,
    not about a county its text names."""
    return any(name in text for name in _gazetteer().whole)


def locate(region: str, text: str = "", title: str = "") -> Place:
    """The province and city of the county ``region`` (湟中区 → 青海省, 西宁市); ``text`` (the report's) decides
    between counties of one name; without a county, the first city or province ``title`` names in full.

    >>> locate("湟中区")
    Place(province='青海省', city='西宁市')
    >>> locate("和平区"), locate("和平区", "天津市和平区教育局…天津…")
    (Place(province='', city=''), Place(province='天津市', city='天津市'))
    >>> locate("", title="焦作市教育局2024年法治政府建设工作报告")
    Place(province='河南省', city='焦作市')
    """
    gazetteer = _gazetteer()
    if not region:
        found = [(title.find(name), code) for name, code in gazetteer.whole.items() if name in title]
        return _place(min(found)[1]) if found else Place()
    codes = gazetteer.counties.get(region) or gazetteer.counties.get(_stem(region), ())
    places = list(dict.fromkeys(_place(code) for code in codes))
    if len(places) > 1:
        counts = [sum(text.count(_short(name)) for name in dict.fromkeys((p.city, p.province)) if name) for p in places]
        best = max(counts)
        places = [place for place, count in zip(places, counts) if count == best] if best else []
    return places[0] if len(places) == 1 else Place()
