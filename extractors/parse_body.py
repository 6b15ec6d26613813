"""Generic article-body extraction from a BeautifulSoup tree (readability-style).

Site-independent: no rule names a website. Steps:

1. One iterative pre-order walk over the tree (no recursion: pages can nest 10,000 deep)
   builds flat arrays per kept element: parent index, text length, link-text length,
   commas, "inline" text (the text a block shows itself, not via child blocks). Junk tags,
   hidden elements and (first pass) elements whose class/id say boilerplate are skipped
   with their whole subtree.
2. Every block with enough inline text is a paragraph unit; it scores its ancestors
   (parent fully, grandparent half, then less), readability's formula: 1 + commas +
   min(len/100, 3). Candidates start from a tag prior plus a class/id weight, and the
   final score is scaled by (1 - link density).
3. The best candidate (moved up to a common ancestor when several near-equal candidates
   share one) plus qualifying siblings form the content.
4. A second walk over the content emits paragraphs: each block element is one entry
   (subheadings and block quotes too); link-heavy or negatively-hinted containers,
   captions, forms and one-line boilerplate ("Advertisement", "Share this") are dropped.

If the strict pass yields little text it is retried without the class/id stripping.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from bs4 import NavigableString, Tag

# Tags whose subtree never holds article text.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "video", "audio", "button", "select", "option", "input", "textarea", "title",
    "meta", "link", "math", "nav", "figcaption", "map", "dialog", "menu", "picture",
})
# Skipped in the emitted body, but their text still counts for scoring. Captions, pull-outs
# and page furniture: the article text is never only there.
BODY_SKIP_TAGS = frozenset({"figure", "aside", "footer", "header", "form", "address"})
INLINE_TAGS = frozenset({
    "a", "span", "b", "strong", "i", "em", "u", "small", "big", "sub", "sup", "font", "abbr",
    "cite", "code", "q", "mark", "time", "s", "strike", "del", "ins", "label", "tt", "var",
    "dfn", "kbd", "samp", "bdi", "bdo", "wbr", "nobr", "acronym", "img", "data",
})
# Conditionally cleaned inside the content (readability: "form, fieldset, table, ul, div").
CONTAINER_TAGS = frozenset({
    "div", "section", "ul", "ol", "dl", "table", "form", "fieldset", "aside", "center",
})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Collected for the metadata step while walking.
COLLECT_TAGS = frozenset({"script", "meta", "link", "title", "time", "h1", "figcaption"})
# class/id hints for boxes the metadata step reads (one search per element, named groups).
HINT_RE = re.compile(
    r"(?P<key_points>key-?points|key-?takeaways|takeaways|highlights|key-?facts|at-a-glance|"
    r"tldr|story-?summary|bullet-?points)|"
    r"(?P<standfirst>standfirst|\bdek\b|sub-?title|sub-?headline|subhead|strapline|"
    r"article-?summary|article__dek|\blede\b)|"
    r"(?P<byline>byline|author-?name|\bauthor\b)|"
    r"(?P<dateline>dateline|timestamp|\bdate\b|pub-?date|publish|posted|post-?meta|"
    r"entry-?meta|article-?meta)",
)
# Readability's tag priors for a candidate container.
TAG_PRIOR = {
    "div": 5, "article": 8, "main": 5, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
    "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
    "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5, "body": -5,
}
CLASS_WEIGHT = 25
# class/id words of page furniture: skipped with their subtree on the strict pass.
UNLIKELY_RE = re.compile(
    r"-ad-|\bads?\b|adslot|advert|ai2html|banner|breadcrumb|combx|comment|community|"
    r"cover-wrap|disqus|extra|footer|gdpr|cookie|consent|header|legends|menu|related|remark|"
    r"replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|"
    r"pagination|pager|popup|modal|newsletter|subscribe|signup|sign-up|share|sharing|"
    r"outbrain|taboola|recommend|promo|toolbar|print|tags?\b|topics|byline|author|dateline|"
    r"timestamp|caption|credit|masthead|navbar|navigation|most-?popular|trending|"
    r"read-?more|more-?stories|paywall-?prompt|login|overlay|hidden|visually-hidden|sr-only|"
    r"key-?points|key-?takeaways|takeaways|highlights|key-?facts|at-a-glance|tldr|"
    r"standfirst|\bdek\b|strapline|\bhide\b",
)
# Boxes whose text has a field of its own (subtitle, key points): never body text, even
# when the class also says "article" ("article-dek", "story-highlights").
FIELD_BOX_RE = re.compile(
    r"standfirst|\bdek\b|strapline|key-?points|key-?takeaways|takeaways|highlights|key-?facts|"
    r"at-a-glance|tldr")
# ...unless they also say "this is the article" (readability's maybeCandidate).
MAYBE_RE = re.compile(r"\band\b|article|body|column|content|main|shadow|story|entry|post-?text")
NEGATIVE_RE = re.compile(
    r"-ad-|hidden|^hid$|banner|combx|comment|com-|contact|foot|footer|"
    r"footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|"
    r"sidebar|skyscraper|sponsor|shopping|tags|tool|widget|caption|credit|byline|newsletter",
)
POSITIVE_RE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story",
)
CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f]")  # \x0b, \x0c: str.split() takes those
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
ATTR_CACHE = 8192  # distinct class/id strings remembered across pages
WORD_CACHE = 16384  # distinct class/id words
MIN_PARA_LEN = 25  # shorter inline text does not count as a paragraph unit
ANCESTOR_LEVELS = 5
SIBLING_MIN = 10
SIBLING_RATIO = 0.2
ALT_RATIO = 0.75  # candidates this close to the best one may share a better ancestor
MIN_ALTS = 3
RETRY_BELOW = 250  # characters: a stricter pass that found less than this is retried
LINK_DENSITY_DROP = 0.5
STRIP_KEEP_SHARE = 0.5  # a furniture-looking element holding this much article text stays
QUOTE_BOX_SHARE = 0.8
PROSE_BOX_SHARE = 0.9
TABLE_CELL_TAGS = frozenset({"td", "th", "tr", "tbody", "thead", "tfoot"})
KEEP_TAGS = frozenset({"body", "a", "article", "main"})  # never stripped for their class
GOOD_PARA_LEN = 80  # a paragraph this long with few links is article text
GOOD_PARA_LINKS = 0.3
GOOD_DENSITY = 0.6  # an ancestor must still be mostly such text...
GOOD_GAIN = 1.3  # ...and hold this much more of it than the chosen node
GOOD_MIN_GAIN = 300
LINK_BLOCK = 0.9  # a block that is (almost) all link text is navigation or a teaser
# One-line paragraphs that are page furniture wherever they appear.
BOILERPLATE_LINE_RE = re.compile(
    r"^(advert(isement|isment)?|sponsored|story continues below|continue reading|"
    # the same label in other languages
    r"anzeige|werbung|publicidad|publicité|pubblicità|publicidade|reklama|реклама|iklan|"
    r"advertentie|annonse|mainos|広告|광고|"
    r"((image|photo|picture|slide)s? )?\d+ ?(of|/) ?/? ?\d+|"  # a gallery's "Image 1 of / 8"
    r"you (may|might) also like|(next|previous) (article|post|story)|learn more|more:|"
    # tag lines and reading times: "Filed under: Politics |", "Tempo de leitura: 1 minuto"
    r"(filed under|tagged( with)?|tags|topics|categories)\s*:.{0,150}|"
    r"(reading time|tempo de leitura|lesezeit|temps de lecture|tiempo de lectura)\b.{0,30}|"
    r"\d+ min(ute)?s? read|"
    r"follow( [^\s,.]+){1,4} on (twitter|facebook|instagram|youtube|linkedin|x)\b.{0,80}|"
    r"read more|share( this( article| story)?)?|click here|scroll to continue|"
    r"(sign up|subscribe)( for| to)? .{0,40}newsletter.*|image:?|photo:?|"
    r"this content is imported from .*|skip advert(isement)?|"
    r"related( news| stories| articles| posts| content| coverage)?:?|don'?t miss|"
    r"related\b[^.]{0,60}:|"  # a label for the links below: "Related coverage from X:"
    # a teaser label and a headline: "Related: ...", "SEE MORE: ...", "Also: ..."
    r"(related|see more|see also|read more|read also|also read|also|more|watch|don'?t miss)"
    r"\s*:[^.]{0,150}[^.\s]|"
    # text shown when scripts do not run: "This slideshow requires JavaScript."
    r"[^.]{0,60}\brequires? javascript.{0,60}|(please )?enable javascript.{0,80}|"
    r"\[(\w+)\b[^\]]{0,200}\].{0,200}\[/\w+\]|"  # an unrendered [button ...]...[/button]
    r"recommended( for you)?|most (read|popular)|follow us.*|(readers'? )?comments?|"
    r"leave a (comment|reply)|\d+ comments?|print( this( page| article)?)?|"
    r"email( this| a friend)?.*|"
    r"(copyright|©|\(c\))\s*[©@]?\s*(19|20)\d\d\b.{0,150}|"  # "Copyright 2026 The Gazette"
    r"[^©]{0,150}©.{0,150}|"  # a short line with ©: a copyright notice or a photo credit
    r"(\[[^\]]{1,40}\]\s*){2,})\W*$",  # "[Print this story] [Email to a friend]"
    re.I,
)


def one_line(text: str) -> str:
    """Runs of whitespace and control characters as single spaces. lxml keeps control
    characters (they never carry text); clearing them here, in the few strings kept, is
    cheaper than scanning the whole document for them."""
    return " ".join(CONTROL_RE.sub(" ", text).split())


def is_block(name: str) -> bool:
    """Block elements end a paragraph. Custom elements ('<hl-trusted-source>') display
    inline, as browsers show every element they do not know."""
    return name not in INLINE_TAGS and "-" not in name


def attr_text(attrs: dict) -> str:
    """class and id of an element as one string (the soup keeps class unsplit)."""
    cls, ident = attrs.get("class"), attrs.get("id")
    if cls and ident:
        return f"{cls} {ident}"
    return cls or ident or ""


class WordClass(NamedTuple):
    negative: bool
    positive: bool
    unlikely: bool
    maybe: bool
    field_box: bool
    hint: str | None


@lru_cache(maxsize=WORD_CACHE)
def classify_word(word: str) -> WordClass:
    """What one lowercased class/id word says. The patterns are lowercase and matched
    case-sensitively: about 3x faster than re.I. None spans a space, so matching word by
    word equals matching the whole string, and words repeat far more than whole strings."""
    found = HINT_RE.search(word)
    hint = found.lastgroup if found else None
    if hint == "byline" and "comment" in word:  # a comment's author, or the form asking for it
        hint = None
    return WordClass(NEGATIVE_RE.search(word) is not None, POSITIVE_RE.search(word) is not None,
                     UNLIKELY_RE.search(word) is not None, MAYBE_RE.search(word) is not None,
                     FIELD_BOX_RE.search(word) is not None, hint)


@lru_cache(maxsize=ATTR_CACHE)
def classify_attr(attr: str) -> tuple[int, bool, str | None]:
    """(class weight, looks like furniture, metadata hint) for a class+id string.
    Cached: pages repeat the same class strings hundreds of times."""
    words = [classify_word(word) for word in attr.lower().split()]
    weight = CLASS_WEIGHT * (any(w.positive for w in words) - any(w.negative for w in words))
    furniture = (any(w.unlikely for w in words) and not any(w.maybe for w in words)
                 or any(w.field_box for w in words))
    return weight, furniture, next((w.hint for w in words if w.hint), None)


def is_hidden(attrs: dict) -> bool:
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return bool(style and HIDDEN_STYLE_RE.search(style))


class Tree:
    """Flat per-element arrays from one walk; index 0 is the root, parents precede children.

    The walk records raw facts (own text, class hints); `accumulate` turns them into subtree
    totals for a given set of excluded elements, so the strict (boilerplate-stripped) and
    relaxed views cost two passes over arrays, not two walks over the tree.
    """

    def __init__(self, root: Tag) -> None:
        self.tags: list[Tag] = []
        self.names: list[str] = []
        self.parent: list[int] = []
        self.own: list[int] = []  # length of the element's own (direct) text
        self.own_commas: list[int] = []
        self.in_link: list[bool] = []  # under an <a>: all its text is link text
        self.block: list[bool] = []  # a block element: its text is a paragraph of its own
        self.unlikely: list[bool] = []  # class/id say page furniture
        self.weight: list[int] = []  # class/id weight
        self.index: dict[int, int] = {}
        # elements the metadata step needs, gathered on the same walk
        self.ld_json: list[str] = []
        self.metas: list[Tag] = []
        self.links_rel: list[Tag] = []
        self.title_tag: str | None = None
        self.times: list[Tag] = []
        self.itemprops: list[Tag] = []
        self.h1s: list[Tag] = []
        self.figcaptions: list[Tag] = []
        self.hints: list[tuple[str, Tag]] = []  # (key_points|standfirst|byline, element)
        self._walk(root)
        self.excluded = [False] * len(self.tags)
        self.accumulate()

    def _walk(self, root: Tag) -> None:
        tags, names, parent, own_len, own_commas = (self.tags, self.names, self.parent,
                                                    self.own, self.own_commas)
        in_link, unlikely, weight, index = self.in_link, self.unlikely, self.weight, self.index
        block = self.block
        # (node, parent index, under a link, under a table: layout cells keep odd classes)
        # Only the cells themselves are exempt: a "comments" or "ads" table is still furniture.
        stack: list[tuple[Tag, int, bool, bool]] = [(root, -1, False, False)]
        pop, push = stack.pop, stack.append
        while stack:
            node, par, linked, tabled = pop()
            name = node.name
            attrs = node.attrs
            if name in COLLECT_TAGS:
                self._collect(node, name)
            if par >= 0 and (name in SKIP_TAGS or (attrs and is_hidden(attrs))):
                continue
            idx = len(tags)
            linked = linked or name == "a"
            tabled = tabled or name == "table"
            w, bad = 0, False
            if attrs:
                if "itemprop" in attrs:
                    self.itemprops.append(node)
                attr = attr_text(attrs)
                if attr:
                    w, furniture, hint = classify_attr(attr)
                    if hint:
                        self.hints.append((hint, node))
                    bad = (furniture and par >= 0 and name not in KEEP_TAGS
                           and not (tabled and name in TABLE_CELL_TAGS))
            index[id(node)] = idx
            tags.append(node)
            names.append(name)
            parent.append(par)
            in_link.append(linked)
            block.append(is_block(name))
            weight.append(w)
            unlikely.append(bad)
            own = com = 0
            # exact types: comments, doctypes and <rt> text are NavigableString subclasses
            for child in reversed(node.contents):
                kind = type(child)
                if kind is Tag:
                    push((child, idx, linked, tabled))
                elif kind is NavigableString:
                    text = child.strip()
                    if text:
                        own += len(text)
                        com += text.count(",") + text.count("，") + text.count("、")
            own_len.append(own)
            own_commas.append(com)

    def _collect(self, node: Tag, name: str) -> None:
        if name == "script":
            if "ld+json" in str(node.get("type") or "").lower():
                self.ld_json.append(node.get_text())
        elif name == "meta":
            self.metas.append(node)
        elif name == "link":
            self.links_rel.append(node)
        elif name == "title":
            if self.title_tag is None:
                self.title_tag = node.get_text()
        elif name == "time":
            self.times.append(node)
        elif name == "h1":
            self.h1s.append(node)
        elif name == "figcaption":
            self.figcaptions.append(node)

    def accumulate(self) -> None:
        """Subtree totals over the elements not excluded (children follow parents)."""
        parent, in_link, excluded, blocks = self.parent, self.in_link, self.excluded, self.block
        names = self.names
        n = len(blocks)
        total = self.own[:]
        commas = self.own_commas[:]
        links = [0] * n
        inline = total[:]
        good = [0] * n
        quoted = [0] * n
        for i in range(n - 1, -1, -1):
            if excluded[i]:
                continue
            t = total[i]
            if in_link[i]:
                links[i] = t
            block = blocks[i]
            if block and inline[i] >= GOOD_PARA_LEN and links[i] < GOOD_PARA_LINKS * t:
                good[i] += inline[i]
            if names[i] == "blockquote":
                quoted[i] = t
            if i:
                p = parent[i]
                total[p] += t
                links[p] += links[i]
                good[p] += good[i]
                quoted[p] += quoted[i]
                if not block:
                    inline[p] += inline[i]
                    commas[p] += commas[i]
        self.total, self.commas, self.links, self.inline, self.good = (total, commas, links,
                                                                      inline, good)
        self.quoted = quoted

    def quote_box(self, i: int) -> bool:
        """Mostly block-quote text: an embedded post or a quoted passage, whatever its
        wrapper's class says ("social-media-embed"). Block quotes belong to the body."""
        return self.quoted[i] >= QUOTE_BOX_SHARE * self.total[i] > 0

    def strip_unlikely(self) -> bool:
        """Exclude furniture-looking subtrees, unless one holds much of the article-like
        text (a page wrapper whose class happens to say "header"). True if any excluded."""
        keep_above = STRIP_KEEP_SHARE * self.good[0]
        excluded, parent, unlikely, good = self.excluded, self.parent, self.unlikely, self.good
        changed = False
        for i in range(1, len(excluded)):
            if excluded[parent[i]] or (unlikely[i] and (good[i] <= keep_above or not good[i])
                                       and not self.quote_box(i)):
                excluded[i] = True
                changed = True
        if changed:
            self.accumulate()
        return changed

    def relax(self) -> None:
        self.excluded = [False] * len(self.tags)
        self.accumulate()

    def link_density(self, i: int) -> float:
        t = self.total[i]
        return self.links[i] / t if t else 0.0


def _score(tree: Tree) -> dict[int, float]:
    scores: dict[int, float] = {}
    names, parent, inline, commas = tree.names, tree.parent, tree.inline, tree.commas
    excluded, block = tree.excluded, tree.block
    for i in range(len(names)):
        if inline[i] < MIN_PARA_LEN or not block[i] or excluded[i]:
            continue
        s = 1 + commas[i] + min(inline[i] // 100, 3)
        # a block with its own text is a paragraph; its ancestors are the candidates
        anc, level = parent[i], 0
        while anc >= 0 and level < ANCESTOR_LEVELS:
            if anc not in scores:
                scores[anc] = TAG_PRIOR.get(names[anc], 0) + tree.weight[anc]
            div = 1 if level == 0 else (2 if level == 1 else level * 3)
            scores[anc] += s / div
            anc, level = parent[anc], level + 1
    return {i: s * (1 - tree.link_density(i)) for i, s in scores.items()}


def _ancestors(tree: Tree, i: int) -> list[int]:
    out = []
    while i >= 0:
        out.append(i)
        i = tree.parent[i]
    return out


def _pick(tree: Tree, scores: dict[int, float]) -> int | None:
    if not scores:
        return None
    ranked = sorted(scores, key=scores.get, reverse=True)
    top = ranked[0]
    best = scores[top]
    # Several near-equal candidates (an article split into blocks by ads or pull-outs):
    # move up to the deepest ancestor shared by enough of them.
    alts = [set(_ancestors(tree, i)) for i in ranked[1:6] if scores[i] >= best * ALT_RATIO]
    if len(alts) >= MIN_ALTS:
        for anc in _ancestors(tree, tree.parent[top]):
            if sum(anc in a for a in alts) >= MIN_ALTS:
                top = anc
                break
    # An article split into sections by pull-outs or ads: climb while an ancestor holds
    # clearly more article-like text and is still mostly made of it.
    good = tree.good
    anc = tree.parent[top]
    while anc > 0:
        if tree.total[anc] and good[anc] < GOOD_DENSITY * tree.total[anc]:
            break
        if good[anc] >= good[top] * GOOD_GAIN and good[anc] - good[top] >= GOOD_MIN_GAIN:
            top = anc
        anc = tree.parent[anc]
    # An only child adds nothing: its parent frames the same content plus siblings.
    while tree.parent[top] > 0:
        p = tree.parent[top]
        kids = [j for j in _children(tree, p)]
        if len(kids) != 1:
            break
        top = p
    return top


def _children(tree: Tree, i: int) -> list[int]:
    idx = tree.index
    kids = (idx.get(id(c)) for c in tree.tags[i].contents if isinstance(c, Tag))
    return [j for j in kids if j is not None and not tree.excluded[j]]


def _select(tree: Tree, scores: dict[int, float], top: int) -> list[int]:
    """The top candidate plus siblings that look like more of the same article."""
    par = tree.parent[top]
    if par < 0:
        return [top]
    best = scores.get(top, 0)
    threshold = max(SIBLING_MIN, best * SIBLING_RATIO)
    top_class = tree.tags[top].get("class")
    out = []
    for j in _children(tree, par):
        if j == top:
            out.append(j)
            continue
        s = scores.get(j, 0)
        if top_class and tree.tags[j].get("class") == top_class:
            s += best * SIBLING_RATIO
        if s >= threshold:
            out.append(j)
            continue
        if tree.tags[j].name == "p" or (tree.inline[j] >= MIN_PARA_LEN and tree.block[j]):
            n, ld = tree.inline[j], tree.link_density(j)
            if n > 80 and ld < 0.25:
                out.append(j)
            elif 0 < n <= 80 and ld == 0 and tree.tags[j].get_text().rstrip().endswith("."):
                out.append(j)
    return out


def _drop_container(tree: Tree, scores: dict[int, float], i: int) -> bool:
    """Readability's conditional cleaning, reduced: link lists and hinted boxes go."""
    if tree.tags[i].name not in CONTAINER_TAGS:
        return False
    if tree.quote_box(i):
        return False
    w = tree.weight[i]
    # A list's negative tag prior ranks candidates; alone it does not make a list of plain
    # text items boilerplate (readability never scores list items, so never sees this).
    if w + max(scores.get(i, 0), 0) < 0 and tree.good[i] < PROSE_BOX_SHARE * tree.total[i]:
        return True
    if tree.commas[i] >= 10:
        return False
    ld = tree.link_density(i)
    return ld > LINK_DENSITY_DROP or (w < CLASS_WEIGHT and ld > 0.2 and tree.total[i] < 500)


def emit_paragraphs(tree: Tree, scores: dict[int, float], roots: list[int],
                    title: str | None) -> list[str]:
    """Walk the chosen nodes in order; every block element becomes one paragraph."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            text = one_line("".join(buf))
            buf.clear()
            if text:
                out.append(text)

    idx = tree.index
    # stack items: a Tag to open, a string to add, or None meaning "block ends here"
    stack: list = []
    for r in reversed(roots):
        stack.append(tree.tags[r])
    while stack:
        node = stack.pop()
        if node is None:
            flush()
            continue
        if isinstance(node, str):
            buf.append(node)
            continue
        i = idx.get(id(node))
        if i is None or tree.excluded[i]:  # junk, hidden or furniture
            continue
        name = node.name
        if name == "br":
            flush()
            continue
        if tree.block[i]:
            if name in BODY_SKIP_TAGS and i not in roots:
                continue
            if i not in roots and (_drop_container(tree, scores, i) or (
                    name not in HEADING_TAGS and tree.links[i] > LINK_BLOCK * tree.total[i])):
                continue
            flush()
            stack.append(None)
        for child in reversed(node.contents):
            if type(child) is NavigableString:
                stack.append(str(child))
            elif isinstance(child, Tag):
                stack.append(child)
    flush()
    return _clean_lines(out, title)


def _clean_lines(paras: list[str], title: str | None) -> list[str]:
    tnorm = " ".join(title.split()).lower() if title else None
    out = []
    for p in paras:
        if BOILERPLATE_LINE_RE.match(p):
            continue
        if tnorm and p.lower() == tnorm:
            continue
        out.append(p)
    return out


def extract_body(tree: Tree, title: str | None = None) -> list[str]:
    """Paragraphs of the main text ([] when nothing looks like an article)."""
    best: list[str] = []
    for strip in (True, False):
        if strip:
            if not tree.strip_unlikely():
                strip = False
        else:
            tree.relax()
        scores = _score(tree)
        top = _pick(tree, scores)
        if top is None:
            continue
        paras = emit_paragraphs(tree, scores, _select(tree, scores, top), title)
        if sum(map(len, paras)) > sum(map(len, best)):
            best = paras
        if sum(map(len, best)) >= RETRY_BELOW or not strip:
            break
    return best


def extract_under(tree: Tree, node: Tag, title: str | None = None) -> list[str]:
    """Paragraphs of one given element (a site profile's body selector)."""
    i = tree.index.get(id(node))
    if i is None:
        return []
    return emit_paragraphs(tree, _score(tree), [i], title)
