"""Line-level cleaning: web-page chrome, markup residue and page metadata lines (发布日期, 发布者).

Only whole lines that match a known chrome pattern (navigation words, share boxes, 上一篇/下一篇, 责任编辑,
site footers), or that carry no letter, digit or CJK character at all, are dropped; inline residue such as
``[bookmark: _GoBack]``, and control characters (a stray NUL or Ctrl-Z that a conversion left in a text file),
are cut out of a line. Real content is never dropped: ``tests/test_ingest.py`` checks that every character of the
seed reports ends up in a passage, the title, the metadata or a dropped chrome line.
"""

from __future__ import annotations

import re

import attrs

__all__ = ["CleanLine", "clean_lines", "drop_control_characters", "is_content_free", "parse_meta_line"]

# Navigation bars: every item of the line is a navigation word (丨 网站无障碍 丨 关怀版, 法律声明 | 关于我们 …).
_NAV_ITEM = re.compile(
    r"^(网站)?(无障碍|关怀版|关爱版|长者版|适老化|法律声明|关于我们|网站地图|使用帮助|联系我们|隐私声明|"
    r"微博|微信|QQ空间|QQ|分享到?[:：]?|打印本?页?|关闭(窗口)?|返回顶部|扫一扫(在手机(上)?(打开|浏览)(当前|本)页)?|登录|注册|"
    r"首页|繁体|简体|English|字体[:：]?[大中小]?|[大中小])$"
)
_NAV_SPLIT = re.compile(r"[\s|丨｜·•【】\[\]:：]+")
# … the same words run together, as <span>网站无障碍</span><span>关怀版</span> come out of a page
_NAV_RUN = re.compile(rf"(?:{_NAV_ITEM.pattern[1:-1]})+")
# A site's section menu (首页 政务公开 政务服务 互动交流) as a row of plain links: three items or more, all of them
# navigation or section words (one such word alone may be a report's heading: 政务公开)
_SITE_SECTION = re.compile(
    r"^(首页|网站首页|政务公开|政府信息公开|信息公开|政务服务|办事服务|互动交流|政民互动|公众参与|新闻中心|新闻动态|"
    r"走进[\u4e00-\u9fff]{1,4}|专题专栏|数据发布|政策文件|政策解读|机构设置|领导信息|联系我们)$"
)
# Footers: lines that start with a footer key, or carry a registration number no report sentence has.
_FOOTER = re.compile(
    r"^\s*(主办单位|承办单位|协办单位|主办|承办|技术支持|版权所有|运维单位|网站标识码|上一篇|下一篇|责任编辑|"
    r"附件下载)\s*[:：]"
    r"|^\s*地址\s*[:：].*(邮编|邮政编码|电话)\s*[:：]"
    r"|公网安备\s*\d|ICP备\s*\d|网站标识码\s*[:：]?\s*\d"
    r"|^\s*本网站违法和不良信息举报"
)
# Control characters other than tab, line breaks and form feed: never text. They must not reach a passage
# (the index joins passage texts with NUL, see ranking.PASSAGE_SEPARATOR).
_CONTROL = "[\x00-\x08\x0e-\x1f\x7f]"
_CONTROLS = re.compile(f"{_CONTROL}+")
# Word-processor residue left by conversions: [bookmark: _GoBack], {.underline} …; and control characters.
_RESIDUE = re.compile(rf"\[bookmark:[^\]]*\]|\{{\.(underline|mark|smallcaps)\}}|{_CONTROL}+")
# Page metadata: 发布日期:2025-03-14    发布者:和平区人民政府  (several key:value pairs on one line).
_META_KEYS = "发布日期|发布时间|成文日期|发布者|发布机构|发文机关|来源|信息来源|作者|浏览次数|点击数|访问量|字号"
_META_PAIR = re.compile(rf"({_META_KEYS})\s*[:：]\s*([^\s【】\[\]]*)")
_META_LINE = re.compile(rf"^[\s【\[]*({_META_KEYS})\s*[:：]")  # 【发布时间：2025-03-20】【来源：…】 too
# what may stand between a metadata line's pairs: brackets, spaces, and the time of a date (2025-03-20 10:30)
_META_REST = re.compile(r"[\s【】\[\]]+|\b[0-9]{1,2}[:：][0-9]{2}([:：][0-9]{2})?\b")
_WORD_CHAR = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


@attrs.frozen
class CleanLine:
    """A line of the report after cleaning, with inline residue cut out.

    ``dropped`` says why the line is not content ("" when it is): blank, residue, no-content, chrome or meta.
    """

    number: int
    text: str
    dropped: str = ""


def is_content_free(line: str) -> bool:
    """True when a line has no letter, digit or CJK character (a stray backtick, a rule, spaces).

    >>> is_content_free("`"), is_content_free("一、")
    (True, False)
    """
    return _WORD_CHAR.search(line) is None


def parse_meta_line(line: str) -> dict[str, str]:
    """The ``key: value`` pairs of a page-metadata line, or ``{}`` when it is not one.

    >>> parse_meta_line("发布日期:2025-03-14    发布者:和平区人民政府")
    {'发布日期': '2025-03-14', '发布者': '和平区人民政府'}
    """
    if not _META_LINE.match(line) or _WORD_CHAR.search(_META_REST.sub("", _META_PAIR.sub("", line))):
        return {}  # not only key: value pairs (【来源：…】全年召开会议3次。 is a sentence, whatever it starts with)
    return {key: value for key, value in _META_PAIR.findall(line) if value}


def drop_control_characters(text: str) -> str:
    """``text`` without control characters other than tab, line breaks and form feed (NUL, Ctrl-Z, DEL …).

    >>> drop_control_characters("法治\\x00政府\\x1a\\n")
    '法治政府\\n'
    """
    return _CONTROLS.sub("", text)


def clean_lines(text: str) -> list[CleanLine]:
    """Split decoded text into lines, marking chrome and metadata lines as dropped and cutting inline residue."""
    out: list[CleanLine] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = _RESIDUE.sub("", raw)
        if not line.strip():
            out.append(CleanLine(number, raw, "blank" if not raw.strip() else "residue"))
        elif is_content_free(line):
            out.append(CleanLine(number, line, "no-content"))
        elif _is_chrome(line):
            out.append(CleanLine(number, line, "chrome"))
        elif parse_meta_line(line):
            out.append(CleanLine(number, line, "meta"))
        else:
            out.append(CleanLine(number, line))
    return out


def _is_chrome(line: str) -> bool:
    if _FOOTER.search(line):
        return True
    items = [item for item in _NAV_SPLIT.split(line) if item]
    if items and all(_NAV_ITEM.match(item) or _NAV_RUN.fullmatch(item) for item in items):
        return True
    return len(items) >= 3 and all(_NAV_ITEM.match(item) or _SITE_SECTION.match(item) for item in items)
