"""Direct quotes, quoted fragments and reported speech, with their speakers.

Quote marks are found by one linear scan of each unit (no backtracking regex); the model
is used only for what marks cannot tell: the cue verb next to a quote, its subject (the
speaker) and, for reported speech, the clause a speech verb governs.

Conventions (see extractors.records.QuoteRecord):
- One record per quoted piece: quote_text is the words between the marks (a trailing
  comma that stands for a full stop dropped) and equals body_text[start_char:end_char].
  A quote interrupted by its attribution ("A," he said, "b."), followed by more quoted
  sentences ("A," he said. "B.") or running over several paragraphs (no closing mark,
  the next paragraph opens with one) gives one record per piece, all with the same cue
  and speaker (same speaker_start/speaker_end), so they can be joined again.
- is_fragment: quoted words embedded in the writer's own sentence ("condemned the
  general's “reckless” threats"). A fragment with no speech or judgement verb is a scare
  quote: kept, speaker None.
- Reported speech ("X said that ...", "according to X, ...") has is_direct False; the
  span is the reported clause. A mixed quote ('X said the threats were “reckless”')
  gives both records: the clause (reported speech) and the fragment (X's own words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.nlp.text import Mention, Unit, forms
from extractors.records import QuoteRecord

# Straight marks and the NYT's doubled apostrophes toggle; curly ones have a direction.
QUOTE_MARK_RE = re.compile(r"``|''|[\"“”„«»‘’]")
OPENERS = {"“", "„", "«", "``"}
CLOSERS = {"”", "»"}
TOGGLES = {'"', "''"}
# An unclosed quote shorter than this is a stray mark (5" screen), not a quote.
MIN_UNCLOSED_WORDS = 3
# How far from a quote its attribution may sit, in tokens.
AFTER_WINDOW = 14
BEFORE_WINDOW = 40
SENTENCE_END = {".", "?", "!"}
# Text just before an opening mark that makes the quote a full one, not a fragment.
FULL_QUOTE_LEADS = set(":,;—–-([")
# 'Rep. Robert C. "Bobby" Scott': a dot after an initial or a title is no sentence end.
ABBREVIATION_END_RE = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Sen|Rep|Gov|Gen|Lt|Col|Jr|"
                                 r"Sr|Prof|No|vs))\.$")
LIST_GAP_RE = re.compile(r"\s*(?:,|;)?\s*(?:and|or)?\s*")
# Quoted words with no end punctuation and no cue are a title or a term, not a quote.
END_PUNCT = tuple(".?!,;:…—–-")

# Verbs that introduce a direct quote (or a fragment of one).
SPEECH_CUES = forms(
    "say", "add", "ask", "answer", "reply", "respond", "explain", "note", "warn", "insist",
    "argue", "claim", "declare", "state", "tweet", "post", "announce", "continue", "recall",
    "acknowledge", "comment", "remark", "observe", "joke", "quip", "shout", "yell",
    "exclaim", "complain", "concede", "confirm", "deny", "suggest", "stress", "emphasize",
    "emphasise", "urge", "predict", "promise", "vow", "pledge", "boast", "charge",
    "counter", "retort", "conclude", "mention", "assert", "maintain", "contend", "caution",
    "lament", "muse", "recount", "testify", "agree", "scoff", "sigh", "whisper", "scream",
    "cry", "demand", "threaten", "tell", "write", "read", "add", "observe", "reiterate",
    "proclaim", "thunder", "fume", "grumble", "laugh", "plead", "reason", "wonder",
    extra=("said", "says", "saying", "told", "tells", "telling", "wrote", "written",
           "writes", "writing", "admitted", "admits", "admit", "admitting", "quipped",
           "quipping", "quips", "quip"),
)
# Verbs that put quoted words in someone's mouth when the quote is a fragment.
JUDGEMENT_CUES = forms(
    "call", "describe", "condemn", "denounce", "criticize", "criticise", "praise", "accuse",
    "dismiss", "brand", "label", "slam", "blast", "decry", "hail", "term", "dub", "vow",
    "pledge", "promise", "reject", "defend", "attack", "mock", "characterize",
    "characterise", "welcome", "lambast", "deride",
    extra=("labelled", "labelling", "slammed", "slamming", "dubbed", "dubbing"),
)
# Verbs whose clausal complement is reported speech or a reported belief.
REPORT_CUES = SPEECH_CUES | forms(
    "think", "believe", "feel", "fear", "hope", "expect", "know", "worry", "suspect",
    "assume", "doubt", "estimate", "understand", "show", "find", "report", "indicate",
    "reveal", "allege", "recognize", "recognise", "realize", "realise", "learn", "hear",
    "acknowledge", "signal", "imply", "speculate", "guess", "figure", "insist", "testify",
    "see", "point", "remember", "decide", "prove", "demonstrate", "hint", "forget",
    "notice", "determine", "conclude", "predict", "agree", "wish", "pretend", "bet",
    extra=("thought", "felt", "found", "heard", "shown", "showed",
           "learned", "learnt"),
)
# Verbs whose object (not a clause) is what was said or asked for: "called for a ban",
# "urged Britain to act", "accused the general of lying", "described the talks as ...".
# Not publishing verbs (release, post, publish, present): their object is the medium
# ("released a statement"), not what it says.
OBJECT_CUES = forms(
    "call", "urge", "ask", "accuse", "criticize", "criticise", "praise", "describe",
    "question", "defend", "announce", "propose", "support", "express", "deny", "dismiss",
    "reject", "demand", "blame", "condemn", "denounce", "welcome", "endorse", "promise",
    "pledge", "vow", "predict", "cite", "mention", "dispute", "challenge", "recommend",
    "warn", "threaten", "oppose",
    # talking about a topic, taking a stand on it, wanting or intending something
    "discuss", "name", "talk", "refer", "point", "endorse", "attack",
    "disclose", "reveal", "blame", "accept", "ignore", "highlight", "invoke", "offer",
    "promote", "back", "want", "prefer", "tell", "portray",
    "repeat", "list", "share", "voice", "address", "lobby", "tout", "applaud", "slam",
    "decry", "acknowledge", "admit", "confirm", "float", "suggest", "emphasize",
    "emphasise", "stress", "tweet", "retweet", "report",
    "argue", "advocate", "champion", "press", "embrace", "mock", "compare",
    "characterize", "characterise", "label", "dub", "brand", "term", "hail", "thank",
    "apologize", "apologise", "contest", "refute", "charge", "hope", "plan", "decline",
    "refuse", "intend", "wish", "expect", "see", "show", "remember", "explain",
    "favor", "favour", "like", "hate", "love", "fear", "complain", "insist", "boast",
    "joke", "testify", "comment", "note", "detail", "outline", "unveil",
    # speaking to or about someone, and judging them (communication and judgement verbs)
    "speak", "inform", "assure", "reassure", "remind", "notify", "reference", "echo",
    "quote", "credit", "fault", "assail", "chide", "scold", "rebuke", "ridicule",
    "vouch", "request", "seek", "focus", "consider", "view", "regard", "deem", "vote",
    extra=("criticised", "criticized", "saw", "seen", "shown", "showed", "spoke",
           "spoken", "sought", "referred", "referring", "preferred", "preferring",
           "planned", "planning", "focused", "focusing"),
)
# ... or whose clause is what they weigh ("questioned whether the plan would work")
OBJECT_DEPS = {"dobj", "xcomp", "oprd", "prep", "dative", "attr", "ccomp"}
# Prepositions after an object verb that start the content ("called for", "warned of").
MIN_OBJECT_TOKENS = 2
CONTENT_PREPS = {"for", "of", "on", "about", "against", "as", "to"}
# ... except "to" after a verb of talking, which names the listener ("spoke to reporters").
TALK_VERBS = forms("speak", "talk", "write", "explain", "complain", "apologize", "apologise",
                   "testify", "comment", "joke", "boast", "lobby", "post", "tweet",
                   extra=("spoke", "spoken", "wrote", "written"))
SUBJECT_DEPS = {"nsubj", "nsubjpass"}
NOMINAL_ORGS = {"the company", "the firm", "the bank", "the group", "the ministry",
                "the department", "the agency", "the organisation", "the organization",
                "the broker", "the council", "the bloc", "it"}
PRONOUN_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}
SPEAKER_POS = {"PROPN", "NOUN", "PRON"}


@dataclass
class Piece:
    """One quoted stretch inside one unit (unit-relative offsets, marks included)."""

    unit: int
    start: int
    end: int
    closed: bool
    fragment: bool = False
    continued: bool = False  # continues a quote left open in an earlier paragraph


@dataclass
class Attribution:
    cue: str | None = None
    cue_token: tuple[int, int] | None = None  # (unit, token index)
    speaker: tuple[int, int, int] | None = None  # (unit, start, end) unit-relative chars


@dataclass
class Group:
    pieces: list[Piece] = field(default_factory=list)
    attribution: Attribution = field(default_factory=Attribution)


# --- quote marks: a linear scan ---

def _opens(text: str, i: int, mark: str) -> bool:
    """A toggle mark at i opens a quote when it is not glued to the word before it."""
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] in ".,!?;:")


def scan_marks(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, closed) of each top-level quote in one unit, marks included.

    Single curly quotes count only when no double quote is open and ‘ stands before a word
    (headlines: Ryan: ‘No place in a campaign’); ’ inside a word is an apostrophe.
    """
    spans = []
    open_at = None
    single = False  # the open quote is a single one
    for m in QUOTE_MARK_RE.finditer(text):
        mark, i = m.group(), m.start()
        if open_at is None:
            if mark in OPENERS or mark in TOGGLES or (mark in CLOSERS and _opens(text, i, mark)):
                open_at, single = i, False
            elif mark == "‘" and _opens(text, i, mark) and text[i + 1:i + 2].isalnum():
                open_at, single = i, True
        elif single:
            if mark == "’" and not text[m.end():m.end() + 1].isalnum():
                spans.append((open_at, m.end(), True))
                open_at = None
            elif mark in OPENERS or mark in TOGGLES:  # the ‘ was not a quote after all
                open_at, single = i, False
        elif mark in CLOSERS or mark in TOGGLES:
            spans.append((open_at, m.end(), True))
            open_at = None
        # an opener inside an open quote: the earlier mark was stray or nesting; keep it
    if open_at is not None and not single:
        spans.append((open_at, len(text), False))
    return spans


def _family(text: str, piece: Piece) -> str:
    """Straight, doubled or curly: a continued quote opens with the same kind of mark."""
    mark = text[piece.start]
    return "straight" if mark == '"' else "doubled" if mark in "'`" else "curly"


def find_pieces(units: list[Unit]) -> list[list[Piece]]:
    """Quote pieces per unit, with multi-paragraph quotes marked `continued`."""
    per_unit: list[list[Piece]] = []
    for ui, unit in enumerate(units):
        pieces = [Piece(ui, s, e, closed) for s, e, closed in scan_marks(unit.text)
                  if not unit.text[:s].endswith("=")]  # <tweet id="...">: markup, not speech
        if per_unit and per_unit[-1] and not per_unit[-1][-1].closed and pieces \
                and not unit.text[:pieces[0].start].strip() \
                and _family(units[ui - 1].text, per_unit[-1][-1]) == _family(unit.text,
                                                                            pieces[0]):
            pieces[0].continued = True
        per_unit.append(pieces)
    # an unclosed quote that nothing continues: keep it to the unit end unless tiny
    for ui, pieces in enumerate(per_unit):
        if pieces and not pieces[-1].closed:
            nxt = per_unit[ui + 1] if ui + 1 < len(per_unit) else []
            last = pieces[-1]
            if not (nxt and nxt[0].continued) and \
                    len(units[ui].text[last.start:last.end].split()) < MIN_UNCLOSED_WORDS:
                pieces.pop()
    for ui, pieces in enumerate(per_unit):
        text = units[ui].text
        for k, p in enumerate(pieces):
            p.fragment = not p.continued and _is_fragment(text, p, pieces[k - 1] if k else None)
    return per_unit


def _is_fragment(text: str, piece: Piece, previous: Piece | None) -> bool:
    """Quoted words inside the writer's own clause: "the general's “reckless” threats"."""
    before = text[:piece.start].rstrip()
    if previous is not None and previous.fragment and \
            LIST_GAP_RE.fullmatch(text[previous.end:piece.start]) and \
            not text[previous.start:previous.end].rstrip("”\"' ").endswith(tuple(SENTENCE_END)):
        return True  # "“ugly,” “a shock” and “a fight”": a list of fragments (a title
        # ending a sentence, 'on “Meet the Press.” “Listening ...”', ends the list)
    if not before or before[-1] in FULL_QUOTE_LEADS or before[-1] in "”\"'":
        return False
    if before[-1] in SENTENCE_END and not ABBREVIATION_END_RE.search(before):
        return False
    last_word = before.rsplit(None, 1)[-1].lower()
    return last_word not in SPEECH_CUES


def content(text: str, piece: Piece) -> tuple[int, int]:
    """Unit-relative (start, end) of the words inside the marks."""
    m = QUOTE_MARK_RE.match(text, piece.start)
    start = m.end() if m else piece.start
    end = piece.end
    if piece.closed:
        for mark in ("''", '"', "”", "»", "’"):
            if text.endswith(mark, start, end):
                end -= len(mark)
                break
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1  # "We will act," she said: the comma stands for the full stop
    return start, end


# --- attribution: the cue verb next to a quote and its subject ---

def _quote_tokens(doc, pieces: list[Piece]) -> list[bool]:
    inside = [False] * len(doc)
    for p in pieces:
        span = doc.char_span(p.start, p.end, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                inside[i] = True
    return inside


def _token_at(doc, char: int, forward: bool) -> int:
    """Index of the first token starting at/after char (forward) or ending by char."""
    if forward:
        return next((t.i for t in doc if t.idx >= char), len(doc))
    return next((t.i for t in reversed(doc) if t.idx + len(t) <= char), -1)


def _speaker_head(tok, inside: list[bool], after_cue: bool):
    """The subject of a cue verb, by the parse, else by position ("said Marsh")."""
    verb = tok
    # "went on to say", "was quick to add", "were more likely to say": the subject sits higher
    for _ in range(4):
        subj = [c for c in verb.children if c.dep_ in SUBJECT_DEPS and not inside[c.i]]
        if subj:
            return subj[0]
        if verb.dep_ in {"xcomp", "conj", "advcl", "acomp"} and verb.head != verb:
            verb = verb.head
        elif verb.dep_ == "pcomp" and verb.head.dep_ == "prep":  # "responded by saying",
            verb = verb.head.head  # "before adding": the one who acts says it
        else:
            break
    doc = tok.doc
    if after_cue:  # "said a New Hampshire Democrat"
        return first_noun(doc, tok.i + 1, min(len(doc), tok.i + 8), inside)
    for i in range(tok.i - 1, max(-1, tok.i - 4), -1):  # "Marsh reportedly said"
        t = doc[i]
        if inside[i] or t.is_punct:
            break
        if t.pos_ in SPEAKER_POS:
            return t
        if t.pos_ not in {"ADV", "AUX", "PART"}:
            break
    return None


def _nearest_name(doc, lo: int, hi: int, inside: list[bool]):
    """The last person (else organisation) named in [lo, hi), else the first noun phrase."""
    for labels in ({"PERSON"}, {"ORG", "NORP"}):
        ents = [e for e in doc.ents if lo <= e.start and e.end <= hi and e.label_ in labels
                and not inside[e.start]]
        if ents:
            return ents[-1].root
    return first_noun(doc, lo, hi, inside)


def first_noun(doc, lo: int, hi: int, inside: list[bool]):
    """The head of the first noun phrase in [lo, hi): "a New Hampshire Democrat" -> Democrat."""
    for i in range(lo, hi):
        t = doc[i]
        if inside[i] or t.is_punct:
            return None
        if t.pos_ in {"PROPN", "NOUN"} or t.pos_ == "PRON" and t.dep_ != "poss":
            while i + 1 < hi and doc[i + 1].pos_ in {"PROPN", "NOUN"} and not inside[i + 1]:
                i += 1
            return doc[i]
        if t.pos_ not in {"DET", "ADJ", "NUM", "ADV", "AUX", "PART", "PRON"}:
            return None
    return None


def _speaker_span(head, chunks: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """Char span of the speaker as written: its entity, else its noun chunk, else the word."""
    if head.ent_type_:
        ent = next((e for e in head.doc.ents if e.start <= head.i < e.end), None)
        if ent is not None:
            return ent.start_char, ent.end_char
    if head.i in chunks:
        return chunks[head.i]
    return head.idx, head.idx + len(head)


def _cue_in(doc, lo: int, hi: int, inside: list[bool], reverse: bool, cues: frozenset):
    """First cue token in [lo, hi), scanning from the quote outward."""
    order = range(hi - 1, lo - 1, -1) if reverse else range(lo, hi)
    for i in order:
        t = doc[i]
        if inside[i]:
            continue
        if t.lower_ == "according" and i + 1 < len(doc) and doc[i + 1].lower_ == "to":
            return t
        if t.lower_ in cues and t.pos_ in {"VERB", "AUX", "NOUN"}:
            return t
    return None


def _attribute(unit_i: int, doc, piece: Piece, inside, chunks, cues) -> Attribution:
    text = doc.text
    after_lo = _token_at(doc, piece.end, forward=True)
    after_hi = after_lo
    while after_hi < len(doc) and after_hi - after_lo < AFTER_WINDOW \
            and not inside[after_hi] and doc[after_hi].text not in SENTENCE_END:
        after_hi += 1
    before_hi = _token_at(doc, piece.start, forward=False) + 1
    before_lo = before_hi
    while before_lo > 0 and before_hi - before_lo < BEFORE_WINDOW \
            and not inside[before_lo - 1] and doc[before_lo - 1].text not in SENTENCE_END:
        before_lo -= 1
    inner = text[piece.start:piece.end].rstrip("”\"'» ")
    lead = text[:piece.start].rstrip()
    # "..., he said" after a comma-ended quote; "X said: ..." before a colon
    lead_word = lead.rstrip(",:").rsplit(None, 1)[-1].lower() if lead.rstrip(",:") else ""
    after_first = inner.endswith((",", "?", "!", "—", "-")) or not (
        lead.endswith(":") or lead_word in cues)  # 'Marsh said, "..."' looks left
    searches = [(after_lo, after_hi, False), (before_lo, before_hi, True)]
    if not after_first:
        searches.reverse()
    for lo, hi, reverse in searches:
        cue = _cue_in(doc, lo, hi, inside, reverse, cues)
        if cue is None:
            continue
        if cue.lower_ == "according":
            objs = [c for c in doc[cue.i + 1].children if c.dep_ == "pobj"]
            head = objs[0] if objs else None
            label = "according to"
        else:
            head = _speaker_head(cue, inside, after_cue=not reverse)
            if head is None and not reverse and cue.i > lo:
                head = first_noun(doc, lo, cue.i, inside)  # ", X, a former aide, said"
            if head is None and reverse:  # "Col. X, a spokesman in Baghdad, said, ..."
                head = _nearest_name(doc, lo, cue.i, inside)
            label = cue.text
        att = Attribution(cue=label, cue_token=(unit_i, cue.i))
        if head is not None:
            s, e = _speaker_span(head, chunks)
            att.speaker = (unit_i, s, e)
        return att
    if lead.endswith(":"):
        return _colon_attribution(unit_i, doc, before_hi, inside, chunks)
    return Attribution()


def _colon_attribution(unit_i: int, doc, colon_end: int, inside, chunks) -> Attribution:
    """ "Trump issued the following statement: ..." / "Clinton: ..." -> the subject."""
    colon = colon_end - 1
    if colon < 1 or doc[colon].text != ":":
        return Attribution()
    before = doc[colon - 1]
    if before.pos_ == "PROPN" and (colon < 2 or doc[colon - 2].is_punct
                                   or doc[colon - 2].pos_ == "PROPN"):
        return Attribution(cue=":", cue_token=(unit_i, colon),
                           speaker=(unit_i, *_speaker_span(before, chunks)))
    verb = before.sent.root if not inside[before.sent.root.i] else None
    if verb is None or verb.pos_ not in {"VERB", "AUX"}:
        return Attribution()
    head = _speaker_head(verb, inside, after_cue=False)
    if head is None:
        return Attribution()
    return Attribution(cue=verb.text, cue_token=(unit_i, verb.i),
                       speaker=(unit_i, *_speaker_span(head, chunks)))


def _fragment_attribution(unit_i: int, doc, piece: Piece, inside, chunks) -> Attribution:
    """The verb that governs a fragment, if it is a speech or judgement verb."""
    span = doc.char_span(piece.start, piece.end, alignment_mode="expand")
    if span is None:
        return Attribution()
    tok = span.root
    for _ in range(8):
        if tok.head.i == tok.i:
            break
        tok = tok.head
        if inside[tok.i]:
            continue
        if tok.lower_ in SPEECH_CUES or tok.lower_ in JUDGEMENT_CUES:
            head = _speaker_head(tok, inside, after_cue=False)
            att = Attribution(cue=tok.text, cue_token=(unit_i, tok.i))
            if head is not None:
                att.speaker = (unit_i, *_speaker_span(head, chunks))
            return att
        if tok.pos_ == "VERB" and tok.dep_ not in {"acl", "relcl", "xcomp", "conj"}:
            break  # a different verb owns the fragment: a scare quote
    # 'The plan is “dead,” he said.'
    return _attribute(unit_i, doc, piece, inside, chunks, SPEECH_CUES) \
        if doc.text[piece.start:piece.end].rstrip("”\"' ").endswith(",") else Attribution()


def noun_chunks(doc) -> dict[int, tuple[int, int]]:
    """Each noun chunk's (start_char, end_char) by its root token's index."""
    out = {}
    try:
        for chunk in doc.noun_chunks:
            out[chunk.root.i] = (chunk.start_char, chunk.end_char)
    except ValueError:  # no parser: positions only
        pass
    return out


def _content_text(text: str, piece: Piece) -> str:
    s, e = content(text, piece)
    return text[s:e].rstrip("’'\"” ")


def group_direct(units: list[Unit], per_unit: list[list[Piece]],
                 unit_chunks: list[dict[int, tuple[int, int]]]) -> list[Group]:
    groups: list[Group] = []
    open_group: Group | None = None  # a quote still open at a paragraph end
    prev_quoted: Group | None = None  # an attributed quote ending the last paragraph
    prev_colon: Attribution | None = None
    for ui, pieces in enumerate(per_unit):
        doc = units[ui].doc
        inside = _quote_tokens(doc, pieces)
        chunks = unit_chunks[ui]
        unit_groups: list[Group] = []
        for p in pieces:
            if p.continued and open_group is not None:
                open_group.pieces.append(p)
                if not p.closed:
                    continue
                if open_group.attribution.cue is None:  # "..." he said, at the end
                    open_group.attribution = _attribute(ui, doc, p, inside, chunks,
                                                        SPEECH_CUES)
                open_group = None
                continue
            if p.fragment:
                att = _fragment_attribution(ui, doc, p, inside, chunks)
            else:
                att = _attribute(ui, doc, p, inside, chunks, SPEECH_CUES)
            if att.cue is None and not p.fragment and prev_colon is not None \
                    and not units[ui].text[:p.start].strip():
                att = prev_colon  # "X said:" ending the previous paragraph
            if att.cue is None and not p.fragment and not p.continued and p.closed \
                    and not unit_groups and prev_quoted is not None \
                    and not units[ui].text[:p.start].strip() \
                    and not units[ui].text[p.end:].strip() \
                    and _family(units[ui].text, p) == _family(
                        units[prev_quoted.pieces[-1].unit].text, prev_quoted.pieces[-1]):
                # '“A,” Marsh said.' then a paragraph that opens with '“B.”' and names no
                # one: still Marsh (a quote left open runs on to its own attribution)
                prev_quoted.pieces.append(p)
                continue
            if att.cue is None and not p.fragment and not p.continued and \
                    not _content_text(units[ui].text, p).endswith(END_PUNCT):
                p.fragment = True  # “Lilyhammer” is a title
            # fragments in between ("on NBC's “Meet the Press.” “B.”") do not split a quote
            last = next((g for g in reversed(unit_groups) if not g.pieces[-1].fragment), None)
            if last is not None and not p.fragment and (
                    att.cue_token is not None and att.cue_token == last.attribution.cue_token
                    or att.cue is None):
                last.pieces.append(p)  # "A," he said, "b."  /  "A," he said. "B."
            else:
                unit_groups.append(Group([p], att))
            if not p.closed:
                open_group = unit_groups[-1]
        groups.extend(unit_groups)
        # the paragraph ends with an attributed quote and its attribution: a quote opening
        # the next paragraph with none of its own continues it
        last_group = unit_groups[-1] if unit_groups else None
        prev_quoted = last_group if last_group is not None and last_group.attribution.cue \
            and not last_group.pieces[-1].fragment and _ends_attribution(
                units[ui].text, last_group) else None
        prev_colon = None
        if units[ui].text.rstrip().endswith(":"):
            end_piece = Piece(ui, len(units[ui].text), len(units[ui].text), True)
            att = _attribute(ui, doc, end_piece, inside, chunks, SPEECH_CUES)
            prev_colon = att if att.cue else None
    return groups


def _ends_attribution(text: str, group: Group) -> bool:
    """The paragraph ends with the group's last quote, or that quote and a short
    attribution after it ('“...,” Marsh said.')."""
    tail = text[group.pieces[-1].end:].strip()
    return len(tail.split()) <= 8 and not QUOTE_MARK_RE.search(tail)


# --- reported speech ---

def reported(units: list[Unit], per_unit: list[list[Piece]],
             unit_chunks: list[dict[int, tuple[int, int]]]
             ) -> list[tuple[int, int, int, Attribution]]:
    """(unit, start, end, attribution) of clauses governed by a report verb."""
    out = []
    for ui, unit in enumerate(units):
        doc = unit.doc
        full = [p for p in per_unit[ui] if not p.fragment]
        inside = _quote_tokens(doc, per_unit[ui])
        in_full = _quote_tokens(doc, full)  # a clause may hold a quoted fragment
        chunks = unit_chunks[ui]
        for tok in doc:
            if inside[tok.i]:
                continue
            if tok.lower_ == "according" and tok.i + 1 < len(doc) \
                    and doc[tok.i + 1].lower_ == "to":
                span = _according_content(doc, tok)
                objs = [c for c in doc[tok.i + 1].children if c.dep_ == "pobj"]
                att = Attribution(cue="according to", cue_token=(ui, tok.i))
                if objs:
                    att.speaker = (ui, *_speaker_span(objs[0], chunks))
            elif tok.pos_ == "NOUN" and tok.lower_ in NOUN_CUES \
                    and (found := _noun_content(doc, tok, in_full)) is not None:
                span, head = found
                att = Attribution(cue=tok.text, cue_token=(ui, tok.i))
                att.speaker = (ui, *_speaker_span(head, chunks))
            elif tok.pos_ == "ADJ" and tok.lower_ in ATTITUDE_ADJECTIVES \
                    and (found := _adjective_content(doc, tok, inside, in_full)) is not None:
                span, head = found
                att = Attribution(cue=tok.text, cue_token=(ui, tok.i))
                att.speaker = (ui, *_speaker_span(head, chunks))
            elif tok.pos_ in {"VERB", "AUX"} and _appearance_cue(tok) \
                    and (span := _appearance_content(doc, tok, in_full)) is not None:
                att = Attribution(cue=tok.text, cue_token=(ui, tok.i))
                agents = [o for c in tok.children if c.dep_ == "agent" for o in c.children
                          if o.dep_ == "pobj"]
                if agents:
                    att.speaker = (ui, *_speaker_span(agents[0], chunks))
            elif _predicate(tok) and (tok.lower_ in REPORT_CUES or tok.lower_ in OBJECT_CUES):
                found = _verb_content(doc, tok, inside, in_full)
                if found is None:
                    continue
                span, head = found
                att = Attribution(cue=tok.text, cue_token=(ui, tok.i))
                if head is not None:
                    att.speaker = (ui, *_speaker_span(head, chunks))
            else:
                continue
            if span is None or span[1] - span[0] < 3:
                continue
            if any(p.start < span[1] and span[0] < p.end for p in full):
                continue  # the direct quote already carries these words
            # a quoted fragment closing the clause ('it's "disastrous."') is in it whole:
            # the parse hangs its closing mark and full stop outside the clause
            end = max([span[1], *(p.end for p in per_unit[ui]
                                  if span[0] <= p.start < span[1] < p.end)])
            out.append((ui, span[0], end, att))
    return [r for r in out if not _nested(r, out, units)]


def _predicate(tok) -> bool:
    """A verb, or a word the tagger took for a noun but the parser gave a subject ("Trump
    claims that ...": claims/NOUN with Trump as its nsubj)."""
    return tok.pos_ in {"VERB", "AUX"} or tok.pos_ == "NOUN" and any(
        c.dep_ == "nsubj" for c in tok.children)


# Nouns that report what someone said, asked for or holds: "her call for a ban", "his
# claim that ...", "the senator's criticism of the deal", "raised doubts about ...".
NOUN_CUES = frozenset("""
call calls claim claims statement criticism support endorsement opposition question
questions doubt doubts fear fears concern concerns warning warnings promise promises pledge
proposal demand demands suggestion argument assertion accusation accusations allegation
allegations belief view views hope hopes attack attacks comment comments remark remarks
praise complaint complaints plea vow insistence denial admission announcement speculation
testimony appeal appeals
decision decisions plan plans desire intention commitment threat threats refusal offer bid
defense defence embrace message opinion opinions perception perceptions case
statements criticisms proposals suggestions arguments assertions beliefs pleas vows pledges
denials admissions announcements endorsements reference references point messages
""".split())
NOUN_CONTENT_PREPS = {"for", "of", "about", "on", "against", "that", "over"}
# Verbs that only carry a cue noun ("raised questions about", "expressed doubts about").
LIGHT_VERBS = forms("make", "raise", "express", "voice", "issue", "give", "offer", "lend",
                    "have", "renew", "repeat", "level", "pose")


def _noun_content(doc, noun, inside):
    """(content, speaker head) of a cue noun: its "for/of/about ..." object or its "that"
    clause; the speaker is its owner ("her call for") or the subject of the light verb
    that carries it ("X raised doubts about"). None without a speaker."""
    content = None
    for c in noun.children:
        if inside[c.i] or c.i < noun.i:
            continue
        if c.dep_ == "prep" and c.lower_ in NOUN_CONTENT_PREPS:
            objs = [p for p in c.children if p.dep_ in {"pobj", "pcomp"}]
            if objs:
                content = (objs[0].left_edge.i, objs[0].right_edge.i)
                break
        if c.dep_ in {"acl", "ccomp"} and any(
                m.lower_ == "that" and m.dep_ == "mark" or m.lower_ == "to" and m.dep_ == "aux"
                for m in c.children):  # "her claim that ...", "his decision to ..."
            content = (c.left_edge.i, c.right_edge.i)
            break
    if content is None or content[1] - content[0] + 1 < 2:
        return None
    owners = [c for c in noun.children if c.dep_ == "poss"]
    speaker = owners[0] if owners else None
    verb = noun.head.head if noun.dep_ == "pobj" else noun.head
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None) \
        if noun.dep_ in {"dobj", "pobj"} else None
    if speaker is None and noun.dep_ == "dobj" and noun.head.lower_ in LIGHT_VERBS:
        speaker = subject
    elif speaker is not None and speaker.pos_ == "PRON" and subject is not None \
            and subject.pos_ in {"PROPN", "PRON"}:
        speaker = subject  # "Trump laid out his concerns about": the one who has them acts
    if speaker is None or inside[speaker.i] or speaker.pos_ not in SPEAKER_POS \
            or speaker.tag_ in {"WDT", "DT"}:
        return None  # "that": no one who speaks
    return (doc[content[0]].idx, _end_char(doc, content[1])), speaker


# Adjectives of belief, feeling and stance: what they are about is held by the subject
# ("Many voters are worried that ...", "She is confident of victory", "furious at").
ATTITUDE_ADJECTIVES = frozenset("""
worried concerned sure unsure confident certain uncertain convinced afraid fearful hopeful
optimistic pessimistic skeptical sceptical wary furious angry upset happy glad pleased proud
disappointed frustrated aware unaware critical supportive opposed eager keen determined
adamant doubtful satisfied dissatisfied unhappy nervous anxious excited enthusiastic
comfortable uncomfortable fond tired sick open willing reluctant insistent emphatic
""".split())
ADJECTIVE_PREPS = {"about", "of", "at", "with", "over", "that", "to", "on", "in"}


def _adjective_content(doc, adj, inside, in_full):
    """(content, speaker head) of an attitude adjective: its clause ("sure [that ...]",
    "willing [to ...]") or its prepositional object ("worried about [the cost]"); the
    speaker is the subject it is predicated of. None without both."""
    content = None
    for c in adj.rights:
        if in_full[c.i]:
            continue
        if c.dep_ in {"ccomp", "xcomp"}:
            content = (c.left_edge.i, c.right_edge.i)
        elif c.dep_ == "prep" and c.lower_ in ADJECTIVE_PREPS:
            objs = [o for o in c.children if o.dep_ in {"pobj", "pcomp"}]
            if objs:
                content = (objs[0].left_edge.i, objs[0].right_edge.i)
        if content is not None:
            break
    if content is None or adj.dep_ not in {"acomp", "ROOT"}:
        return None
    head = _speaker_head(adj, inside, after_cue=False)
    if head is None or head.pos_ not in SPEAKER_POS:
        return None
    return _trimmed(doc, adj, content[0], content[1]), head


# How something seems, or is held to be, with no one saying it: "the race appears closer",
# "the bill, known as ...", "X is considered a favourite". The judgement is the subject
# and its complement; the verb between them is only the cue.
# "look" only in its simple forms: "is looking to" is an intention, not an appearance.
SEEM_VERBS = forms("seem", "appear", extra=("look", "looks", "looked"))
JUDGED_PARTICIPLES = frozenset({"considered", "known", "regarded", "seen", "viewed",
                                "deemed", "perceived", "described", "labeled", "labelled",
                                "branded", "dubbed", "called", "billed", "touted"})
COMPLEMENT_DEPS = {"xcomp", "oprd", "attr", "acomp"}
COMPLEMENT_PREPS = {"as", "like", "for", "of"}  # "seen as", "accused of"


def _passive(verb) -> bool:
    """ "was considered", "were accused of": the subject is what is judged or reported,
    not who judges."""
    return any(c.dep_ == "auxpass" for c in verb.children)


def _appearance_cue(verb) -> bool:
    """A verb of seeming; a judgement participle, passive or describing a noun ("a bill
    known as"); a report verb in the passive."""
    if verb.lower_ in SEEM_VERBS:
        return True
    if verb.lower_ in JUDGED_PARTICIPLES:
        return _passive(verb) or verb.dep_ == "acl"
    return _passive(verb) and (verb.lower_ in REPORT_CUES or verb.lower_ in OBJECT_CUES)


def _appearance_content(doc, verb, in_full) -> tuple[int, int] | None:
    """Characters from the subject to the end of its complement ("[the race] appears
    [closer in Ohio]", "[the plan] was criticized [as too costly]"; a passive report
    needs no complement: "[the annual report] was released"), or the clause of an impersonal "it
    appears/was reported that ..."."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    comps = [c for c in verb.rights if not in_full[c.i] and (
        c.dep_ in COMPLEMENT_DEPS or c.dep_ == "prep" and c.lower_ in COMPLEMENT_PREPS)]
    clauses = [c for c in verb.rights if c.dep_ == "ccomp" and not in_full[c.i]]
    if subjects and subjects[0].lower_ == "it" and clauses:
        return _trimmed(doc, clauses[0], clauses[0].left_edge.i, clauses[0].right_edge.i)
    if not comps and subjects and verb.lower_ not in SEEM_VERBS:
        comps = subjects
    if not comps:
        return None
    if subjects:
        first = subjects[0].left_edge.i
    elif verb.dep_ == "acl":  # "a place known as ...": the noun it describes
        first = verb.head.left_edge.i
    else:
        return None
    last = comps[0].right_edge.i
    if last - first < 2 or in_full[first]:
        return None
    return doc[first].idx, _end_char(doc, last)


def _nested(record, records, units) -> bool:
    """An object cue inside another record's words ("said that Brock planned to call on
    the senator to ...") is part of what that speaker reported, not an attribution."""
    ui, s, e, att = record
    cue = units[ui].doc[att.cue_token[1]]
    if cue.lower_ == "according":
        return False
    return any(o is not record and o[0] == ui and o[1] <= cue.idx < o[2] for o in records)


def _verb_content(doc, verb, inside, in_full):
    """(content span, speaker head) of a cue verb: the clause it reports, else (for an
    object cue with a subject) its object ("announced [the suspect's name]")."""
    if _withheld(doc, verb):
        return None
    if verb.lower_ in REPORT_CUES:
        comp = _reported_clause(verb, in_full)
        if comp is not None:
            return _clause_span(doc, comp, verb), _speaker_head(verb, inside,
                                                                after_cue=comp.i < verb.i)
    if verb.lower_ not in OBJECT_CUES or verb.pos_ != "VERB":
        return None
    span = _object_content(doc, verb, in_full)
    head = _speaker_head(verb, inside, after_cue=False) if span else None
    if head is None:
        return None  # "was criticized for ...": no one is reported
    return span, head


OPEN_QUESTION_WORDS = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how",
                       "whether", "if"}


def _withheld(doc, verb) -> bool:
    """ "He did not say who might be next": a negated verb over an open question reports
    nothing that was said."""
    if not any(c.dep_ == "neg" for c in verb.children):
        return False
    after = [c for c in verb.rights if c.dep_ in {"ccomp", "xcomp", "dobj"}]
    return bool(after) and doc[after[0].left_edge.i].lower_ in OPEN_QUESTION_WORDS


def _reported_clause(verb, quoted: list[bool]):
    """The clause a report verb governs: its complement ("said [the plan is dead]", which
    may hold a quoted fragment), or the clause it interrupts ("The plan, he said, is
    dead" / "The plan is dead, he said"), unless that clause is a full direct quote."""
    comps = [c for c in verb.children if c.dep_ == "ccomp" and not quoted[c.i]]
    if comps:  # "One point stands out: my friends tell me [they ...]": the one it governs
        return min(comps, key=lambda c: c.i < verb.i)
    head = verb.head
    if verb.dep_ == "parataxis" and head.pos_ in {"VERB", "AUX"} and not quoted[head.i]:
        return head
    return None


def _clause_span(doc, comp, verb) -> tuple[int, int]:
    """Characters of the reported clause; a trailing attribution ("..., he said") is not
    part of what was reported. An attribution inside the clause ("The plan is dead, he
    said, and buried") stays in the span: the words on both sides were reported."""
    last = comp.right_edge.i
    if verb.head == comp and verb.i > comp.i and not any(
            not t.is_punct for t in doc[verb.right_edge.i + 1:last + 1]):
        last = verb.left_edge.i - 1  # "The plan is dead, he said."
    return _trimmed(doc, comp, comp.left_edge.i, last)


# Fronted modifiers ("Despite the polls, ...", "In a statement, ...") frame a clause; the
# words reported start after them.
FRONTED_DEPS = {"advcl", "prep", "npadvmod", "advmod"}


def _trimmed(doc, head, first: int, last: int) -> tuple[int, int]:
    """Characters of doc[first..last] without the fronted modifiers of `head` and without
    a closing ", according to X" (its own attribution, recorded apart)."""
    for c in head.lefts:
        end = c.right_edge.i + 1
        if c.i >= first and c.dep_ in FRONTED_DEPS and end < head.i \
                and doc[end].text == "," and c.left_edge.i <= first:
            first = end + 1
    for t in doc[first:last + 1]:
        if t.lower_ == "according" and t.right_edge.i >= last and t.i > first:
            last = t.i - 1
            break
    for t in doc[first:last + 1]:  # ", who ...": a closing aside on the last noun
        if t.dep_ == "relcl" and t.right_edge.i >= last and t.left_edge.i > first \
                and doc[t.left_edge.i - 1].text == ",":
            last = t.left_edge.i - 2
            break
    while last > first and doc[last].is_punct and doc[last].text not in "”\"')":
        last -= 1
    return doc[first].idx, _end_char(doc, max(last, first))


def _object_content(doc, verb, inside) -> tuple[int, int] | None:
    """Object and complements right of an object cue: "urged [Britain to act now]"."""
    parts = [c for c in verb.rights if c.dep_ in OBJECT_DEPS and not inside[c.i]
             and (c.dep_ != "prep" or c.lower_ in CONTENT_PREPS
                  and not (c.lower_ == "to" and verb.lower_ in TALK_VERBS))]
    if not parts:
        return None
    first, last = parts[0], parts[-1]
    if last.right_edge.i - first.left_edge.i + 1 < MIN_OBJECT_TOKENS - (first.dep_ == "xcomp") \
            and first.pos_ != "PROPN":
        return None  # "rejected it" reports no words; "denied the claims", "backed Smith" do
    if first.dep_ == "prep":  # "called for a ban": the content starts after "for"
        objs = [c for c in first.children if c.dep_ in {"pobj", "pcomp"}]
        if not objs:
            return None
        start = objs[0].left_edge.i
    else:
        start = first.left_edge.i
    span = _trimmed(doc, verb, start, _reach(doc, verb, last.right_edge.i))
    if ANONYMITY_RE.search(doc.text[span[0]:span[1]]):
        return None  # "spoke on condition of anonymity", "asked not to be named"
    return span


# A source asking not to be named reports nothing by it.
ANONYMITY_RE = re.compile(r"\banonymity\b|^not to be (?:named|identified)\b", re.I)


# Right dependents that close what a verb reports: a second verb ("and suggested ..."),
# or, after a comma or dash, the writer's own addition (", saying ...", ", a man who").
COORDINATED_DEPS = {"cc", "conj", "parataxis"}
ASIDE_DEPS = {"advcl", "npadvmod", "appos", "dep", "relcl", "acl", "ccomp", "xcomp"}
ASIDE_MARKS = {",", "—", "–", "-", "--", ";", ":"}


def _reach(doc, verb, last: int) -> int:
    """Last token of what the verb reports: its objects and everything after them in its
    clause ("showed Trump [with a lead] [in Ohio]"), up to a coordinated verb or aside."""
    for c in verb.rights:
        if c.i <= last or c.is_punct:
            continue
        if c.dep_ in COORDINATED_DEPS or c.dep_ in ASIDE_DEPS \
                and doc[c.left_edge.i - 1].text in ASIDE_MARKS:
            break
        last = c.right_edge.i
    return last


def _end_char(doc, i: int) -> int:
    while i > 0 and doc[i].is_punct and doc[i].text not in "”\"')":
        i -= 1
    return doc[i].idx + len(doc[i])


def _according_content(doc, tok) -> tuple[int, int] | None:
    """What "according to X" attributes: the clause after "According to X, ...", else the
    sentence around the phrase, without the phrase and the sentence's fronted modifiers."""
    sent = tok.sent
    to = doc[tok.i + 1]
    phrase_end = max(t.i for t in to.subtree) + 1
    if tok.i - sent.start <= 1:  # "According to X, the plan ..."
        i = phrase_end
        while i < sent.end and doc[i].is_punct:
            i += 1
        if i >= sent.end:
            return None
        return doc[i].idx, _end_char(doc, sent.end - 1)
    rest = [t for t in doc[phrase_end:sent.end] if not t.is_punct]
    # "The plan, according to X, is dead" / "The plan ..., according to X."
    return _trimmed(doc, sent.root, sent.start, sent.end - 1 if rest else tok.i - 1)


# --- speakers: written mention -> canonical name ---

def resolve_speaker(units: list[Unit], speaker: tuple[int, int, int] | None,
                    mentions: list[Mention], quoted: list[tuple[int, int]]) -> tuple:
    """(speaker_text, start, end, canonical) in body offsets; canonical may be None."""
    if speaker is None:
        return None, None, None, None
    ui, s, e = speaker
    unit = units[ui]
    text = unit.text[s:e]
    start, end = unit.offset + s, unit.offset + e
    word = text.lower().strip()
    if word in PRONOUN_GENDER or word in {"i", "they", "we"}:
        return text, start, end, _antecedent(word, start, mentions, quoted)
    if word in NOMINAL_ORGS:  # "the company said": the organisation named last
        org = next((m for m in reversed(mentions) if m.kind == "organization"
                    and m.end <= start and not any(qs <= m.start < qe for qs, qe in quoted)),
                   None)
        return text, start, end, org.canonical if org else None
    best = None
    for m in mentions:
        if m.start < end and start < m.end and m.kind in {"person", "organization",
                                                         "location", "group"}:
            if best is None or (m.kind == "person") > (best.kind == "person"):
                best = m
    if best is None and text[:1].isupper():  # "Tahiri said", a name NER missed
        last = text.split()[-1]
        names = {m.canonical for m in mentions if m.kind == "person"
                 and last in m.canonical.split()}
        return text, start, end, names.pop() if len(names) == 1 else None
    return text, start, end, best.canonical if best else None


def _antecedent(pronoun: str, at: int, mentions: list[Mention],
                quoted: list[tuple[int, int]]) -> str | None:
    """Most recent person before `at`, outside quoted words, of a compatible gender."""
    if pronoun not in PRONOUN_GENDER:
        return None
    gender = PRONOUN_GENDER[pronoun]
    for m in reversed(mentions):
        if m.start >= at or m.kind != "person":
            continue
        if any(qs <= m.start < qe for qs, qe in quoted):
            continue
        if m.gender and m.gender != gender:
            continue
        return m.canonical
    return None


def extract_quotes(units: list[Unit], mentions: list[Mention]) -> list[QuoteRecord]:
    per_unit = find_pieces(units)
    unit_chunks = [noun_chunks(unit.doc) for unit in units]  # both passes read them
    groups = group_direct(units, per_unit, unit_chunks)
    quoted = [(units[p.unit].offset + p.start, units[p.unit].offset + p.end)
              for pieces in per_unit for p in pieces]
    records = []
    for g in groups:
        spk, ss, se, name = resolve_speaker(units, g.attribution.speaker, mentions, quoted)
        for p in g.pieces:
            unit = units[p.unit]
            s, e = content(unit.text, p)
            if e <= s:
                continue
            records.append(QuoteRecord(
                article_id="", content_hash="", quote_index=0, quote_text=unit.text[s:e],
                is_direct=True, is_fragment=p.fragment, paragraph_index=unit.paragraph_index,
                start_char=unit.offset + s, end_char=unit.offset + e,
                cue=g.attribution.cue, speaker_text=spk, speaker_name=name,
                speaker_start=ss, speaker_end=se))
    for ui, s, e, att in reported(units, per_unit, unit_chunks):
        spk, ss, se, name = resolve_speaker(units, att.speaker, mentions, quoted)
        unit = units[ui]
        records.append(QuoteRecord(
            article_id="", content_hash="", quote_index=0, quote_text=unit.text[s:e],
            is_direct=False, is_fragment=False, paragraph_index=unit.paragraph_index,
            start_char=unit.offset + s, end_char=unit.offset + e, cue=att.cue,
            speaker_text=spk, speaker_name=name, speaker_start=ss, speaker_end=se))
    records.sort(key=lambda r: r.start_char)
    for i, r in enumerate(records):
        r.quote_index = i
    return records
