"""Sanctions events from sentences that report them: one row per target.

A sentence qualifies when it holds a sanctions word (sanction, embargo, asset freeze,
travel ban, designated, blacklisted ...). From its dependency parse:
- the action comes from the verb that governs the sanctions word and the verbs above it
  ("threatened to impose" -> threatened; "called for sanctions" -> called_for);
  a negated verb ("did not impose") drops the event, and a modal or conditional
  ("could face", "would impose if") turns an imposition into a threat;
- the authority is the subject of that verb (or the "by" agent), canonicalised; a person
  or spokesperson subject is not the authority: the body they speak for is;
- targets are the objects ("sanctioned A, B and C", "sanctions on A, B and C",
  "A was sanctioned") with their conjuncts, one row each;
- reason, programme and measure come from "for/over/accusing ...", "under the ... Act"
  and the measure words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.nlp import aliases, roles
from extractors.nlp.text import Mention, Unit, forms
from extractors.records import SanctionRecord

# Words that make a sentence about sanctions, and the measure each one names.
TRIGGERS = {
    "sanction": None, "sanctions": None, "sanctioned": None, "sanctioning": None,
    "embargo": "embargo", "embargoes": "embargo", "blacklist": "blacklisting",
    "blacklisted": "blacklisting", "blacklisting": "blacklisting", "blacklists":
    "blacklisting", "designated": "designation", "designation": "designation",
    "designations": "designation", "designating": "designation", "designates":
    "designation", "designate": "designation", "froze": "asset freeze", "frozen":
    "asset freeze", "freeze": "asset freeze", "freezes": "asset freeze", "freezing":
    "asset freeze", "blocked": "blocking of property",
}
MEASURE_PATTERNS = [  # (regex over the sentence, measure) - first hit wins
    (re.compile(r"\basset freezes?\b|\bfr(?:oze|ozen|eeze|eezing) (?:\w+ ){0,3}assets\b",
                re.I), "asset freeze"),
    (re.compile(r"\btravel bans?\b", re.I), "travel ban"),
    (re.compile(r"\bvisa (?:bans?|restrictions?)\b", re.I), "visa ban"),
    (re.compile(r"\b(?:arms|oil|trade|weapons) embargo\b", re.I), None),  # as written
    (re.compile(r"\bexport controls?\b", re.I), "export controls"),
    (re.compile(r"\bpropert(?:y|ies) (?:\w+ ){0,5}(?:is|are|was|were) blocked\b|\bblocked "
                r"(?:the )?propert", re.I), "blocking of property"),
]
PROGRAM_RE = re.compile(
    r"\b(Global Magnitsky(?: Act)?|Magnitsky Act|Executive Order \d+|CAATSA"
    r"|under (?:the |its |their )?((?:[A-Z][\w'-]*\s?){1,6}(?:Act|Order|regime|Regulations?"
    r"|programme|program)|[a-z]+ (?:sanctions )?(?:authorities|regime|programme|program)))")
ACTION_VERBS = {
    "lifted": forms("lift", "remove", "revoke", "unfreeze", "delist", "end", "scrap",
                    "rescind", "drop", extra=("lifting",)),
    "eased": forms("ease", "relax", "loosen", "suspend", "soften", "waive"),
    "extended": forms("extend", "renew", "prolong", "expand", "broaden", "widen", "tighten"),
    "called_for": forms("urge", "demand", "seek", "press", "push", "argue",
                        extra=("call", "calls", "called", "calling")),
    "threatened": forms("threaten", "warn", "consider", "weigh", "mull", "propose",
                        "prepare", "plan", "face", "risk"),
    "imposed": forms("impose", "slap", "sanction", "announce", "designate", "freeze",
                     "blacklist", "target", "hit", "order", "adopt", "approve", "agree",
                     "add", "levy", "enact", "join", "place", "subject",
                     extra=("froze", "frozen", "imposing")),
}
# Nouns that report the action themselves: "the lifting of American sanctions on X",
# "the imposition of sanctions", "X, the target of British sanctions".
ACTION_NOUNS = {"lifting": "lifted", "removal": "lifted", "imposition": "imposed",
                "extension": "extended", "renewal": "extended", "easing": "eased",
                "target": "imposed", "targets": "imposed"}
TARGET_NOUNS = {"target", "targets"}
HYPOTHETICAL_AUX = {"could", "would", "may", "might", "should"}
REPORT_VERBS = forms("say", "announce", "confirm", "state", extra=("said", "says"))
NEGATIONS = {"not", "n't", "never", "no"}
REFUSALS = forms("decline", "refuse", "reject", "oppose", "fail", "resist", "block",
                 "veto", "rule")
# Subjects that speak for a body rather than being one.
SPOKES_WORDS = {"spokesman", "spokeswoman", "spokesperson", "official", "officials",
                "minister", "secretary", "president", "diplomat", "diplomats", "ambassador",
                "envoy", "aide", "adviser", "statement", "announcement"}
VESSEL_WORDS = {"tanker", "tankers", "vessel", "vessels", "ship", "ships", "freighter",
                "carrier", "mv", "m/v", "yacht", "superyacht"}
ORG_WORDS = {"company", "companies", "firm", "firms", "bank", "banks", "ltd", "llc",
             "inc", "corp", "group", "trading", "holdings", "airline", "shipping",
             "exchange", "fund", "front", "network", "ministry", "agency", "militia",
             "corporation", "enterprises", "industries", "co"}
TARGET_PREPS = {"on", "against", "for", "targeting", "to", "including"}
REASON_PREPS = {"for", "over", "after"}
REASON_LEADS = ("accusing", "accused", "citing", "in response to", "because of",
                "in retaliation for", "for their role in", "for his role in",
                "for her role in", "for its role in")
OBJECT_OF_RE = re.compile(r"^(?:[\w'’-]+ ){0,6}?of ")
# Longer "sentences" are run-on text with no breaks: skipped, their parse is noise.
MAX_SENTENCE_TOKENS = 120
NOT_TARGET_ENTS = {"DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL", "QUANTITY"}
# "ban" and "restrictions" are sanctions words only after these.
MEASURE_HEADS = {"ban", "bans", "restrictions", "controls"}
# Objects that are the measure, not the target.
MEASURE_NOUNS = {"assets", "property", "ban", "bans", "freeze", "freezes", "embargo",
                 "embargoes", "restrictions", "controls", "sanctions", "measures", "penalties",
                 "accounts", "programme", "program", "regime"}
MEASURE_MODIFIERS = {"travel", "visa", "export", "entry"}
# Trade that sanctions on a country's goods hit: the country is the target.
GOODS_NOUNS = {"imports", "exports", "goods", "products", "oil", "gas", "trade"}
ORG_NAMES = set(aliases.ORGANIZATIONS)
# Words that name a measure only in a sentence already about sanctions ("he could face
# U.S. measures" after "has not sanctioned him").
SECONDARY_TRIGGERS = {"measures", "penalties"}
# Words that name sanctions in an article that has already reported some ("a separate
# package aimed at the banks is ready").
STORY_TRIGGERS = {"package", "packages"}
# Participles that give a measure its target: "a package aimed at X's banks".
AIMED_AT = {"aimed", "directed", "targeted"}
# "warned/told X that it could face ...": verbs whose object the message is about
WARNING_VERBS = ACTION_VERBS["threatened"] | forms("tell", "inform", "notify", extra=("told",))
# "the government", "the regime": a country's government, named by owner or context
GOVERNMENT_NOUNS = {"government", "regime", "authorities", "leadership"}
# Unnamed actors that are the article's own government ("called on the government to
# impose", "ministers announced an asset freeze") when it names only one (see _home).
HOME_ACTORS = {"government", "ministers", "cabinet"}
# "ready to act against him" in a paragraph about sanctions: a threat of them. The verb
# is a sanctions word only after a sentence of the paragraph with one, and only framed
# (ready, prepared, threatened to ...): a bare "acted against" names no measure.
ACT_AGAINST = forms("act", "move", extra=("acted",))
READY_WORDS = {"ready", "prepared", "willing", "poised"}
INSTITUTION_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, aliases.INSTITUTIONS)) + r")\b")


def _measure(text: str, trigger_measures: list[str]) -> str | None:
    for pattern, name in MEASURE_PATTERNS:
        m = pattern.search(text)
        if m:
            return name or m.group(0).lower()
    return next((m for m in trigger_measures if m), None)


def _program(text: str) -> str | None:
    m = PROGRAM_RE.search(text)
    if not m:
        return None
    return (m.group(2) or m.group(1)).strip()


def _governing_verb(tok):
    """The verb a sanctions noun hangs from ("imposed sanctions", "sanctions on X"), or
    the participle that qualifies it ("sanctions imposed on X by Y")."""
    participles = [c for c in tok.children if c.dep_ == "acl" and _verb_action(c)]
    if participles:
        return participles[0]
    for _ in range(6):
        if tok.pos_ in {"VERB", "AUX"} and tok.dep_ != "amod" or \
                tok.pos_ == "NOUN" and tok.lower_ in ACTION_NOUNS:
            return tok
        if tok.head == tok:
            return None
        tok = tok.head
    return None


def _verb_chain(verb) -> list:
    """The verb and the verbs above it through xcomp/ccomp/advcl ("threatened to impose")."""
    chain = [verb]
    while chain[-1].dep_ in {"xcomp", "ccomp", "advcl", "conj", "pcomp", "acl"} \
            and chain[-1].head != chain[-1] and len(chain) < 4 and not _is_own_event(chain[-1]):
        chain.append(chain[-1].head)
    return chain


TEMPORAL_MARKS = {"after", "before", "since", "when", "once", "while", "until"}


def _is_own_event(verb) -> bool:
    """ "called for sanctions, a day after ministers announced a ban": a temporal clause
    (or a conjoined clause with a subject of its own) reports an event of its own, not
    one the verb above frames."""
    return verb.dep_ in {"advcl", "conj"} and any(
        c.dep_ == "mark" and c.lower_ in TEMPORAL_MARKS for c in verb.children) \
        or verb.dep_ == "conj" and any(c.dep_ == "nsubj" for c in verb.children)


def _is_subject_to(verb) -> bool:
    """ "X is/will be subject to an asset freeze": a copula whose complement is "subject"."""
    return any(c.dep_ == "acomp" and c.lower_ == "subject" for c in verb.children)


def _verb_action(verb) -> str | None:
    if verb.pos_ == "NOUN":
        return ACTION_NOUNS.get(verb.lower_)
    if verb.pos_ == "ADJ":
        return "threatened" if verb.lower_ in READY_WORDS else None
    if verb.lower_ in ACT_AGAINST:
        return None
    for action in ("lifted", "eased", "extended", "called_for", "threatened", "imposed"):
        if verb.lower_ in ACTION_VERBS[action]:
            return action
    if _is_subject_to(verb):
        return "imposed"
    # "a package ... is ready": measures prepared, not taken
    return "threatened" if any(c.dep_ == "acomp" and c.lower_ in READY_WORDS
                               for c in verb.children) else None


def _is_hypothetical(chain) -> bool:
    """A modal or an "if" makes a threat. "said X would be subject to ...", with no "if",
    is the future of a reported decision, not a hypothesis."""
    children = [c for v in chain for c in v.children]
    # "if"/"unless" on the verb, or on a condition clause hanging from it ("would
    # impose sanctions if his troops crossed the border")
    marks = children + [m for c in children if c.dep_ == "advcl" for m in c.children]
    if any(c.dep_ == "mark" and c.lower_ in {"if", "unless"} for c in marks):
        return True
    reported = any(v.dep_ == "ccomp" and v.head.lower_ in REPORT_VERBS for v in chain)
    return any(c.lower_ in HYPOTHETICAL_AUX and not (reported and c.lower_ == "would")
               for c in children)


def _is_counterfactual(chain) -> bool:
    """ "The draft would have imposed ...": what did not happen."""
    return any(v.tag_ == "VBN" and any(c.lower_ in HYPOTHETICAL_AUX for c in v.children)
               and any(c.lower_ == "have" for c in v.children) for v in chain)


def action_of(verb) -> str | None:
    """The action a verb chain reports, None when negated or counterfactual (no event)."""
    chain = _verb_chain(verb)
    for v in chain:
        neg = any(c.dep_ == "neg" or c.lower_ in NEGATIONS for c in v.children)
        if neg or v.lower_ in REFUSALS:
            return None
        if v.dep_ == "advcl":  # "has not sanctioned him, although officials said he could
            break  # face measures": the main clause's "not" is not the adverbial clause's
    if _is_counterfactual(chain):
        return None
    actions = [a for a in map(_verb_action, chain) if a]
    if not actions:
        return None
    # any other verb in the chain frames the imposition: "threatened to impose"
    action = next((a for a in actions if a != "imposed"), "imposed")
    return "threatened" if _is_hypothetical(chain) and action != "called_for" else action


def _mention_at(mentions: list[Mention], start: int, end: int) -> Mention | None:
    best = None
    for m in mentions:
        if m.start < end and start < m.end and (best is None or m.end - m.start > best.end -
                                                 best.start):
            best = m
    return best


@dataclass
class Target:
    name: str
    kind: str | None = None
    role: str | None = None
    country: str | None = None


@dataclass
class Story:
    """What earlier sentences of the article established, for the sentences that lean on
    it: "It also blacklisted X" (the authority), "removed it from the list" (the target),
    "sanctioned the ship" (the vessel named before)."""

    mentions: list[Mention]
    authority: str | None = None
    # the body a call asked to act ("called on Britain to act"): who a later call on
    # unnamed "governments" addresses
    addressed: str | None = None
    acting: str | None = None  # the authority of the clause being read
    home: str | None = None  # the one government whose institutions the article names
    targets: list[Target] = field(default_factory=list)
    vessels: list[str] = field(default_factory=list)


def _phrase(tok) -> tuple[int, int]:
    """Token range of the name a head token stands for: its entity, else its compounds."""
    doc = tok.doc
    for ent in doc.ents:  # an entity swallowing a verb ("OFAC designated Sand") is noise
        if ent.start <= tok.i < ent.end and not any(t.pos_ == "VERB" for t in ent):
            return ent.start, ent.end
    start = tok.i
    while start > 0 and doc[start - 1].dep_ in {"compound", "amod", "nmod", "nummod"} \
            and doc[start - 1].head.i in range(start, tok.i + 1) and not doc[start - 1].is_punct:
        start -= 1
    return start, tok.i + 1


def _antecedent(tok):
    """ "the United States, which sanctioned ...": a relative pronoun stands for its noun."""
    if tok.tag_ in {"WDT", "WP"} and tok.head.dep_ == "relcl":
        return tok.head.head
    return tok


def _conjuncts(tok) -> list:
    """A list of targets: conjuncts, also those hanging from an apposition ("A, a banker,
    and B"), and the names after "including"."""
    out, todo = [], [tok]
    while todo:
        t = todo.pop(0)
        out.append(t)
        for c in t.children:
            if c.dep_ == "conj":
                todo.append(c)
            elif c.dep_ == "appos":
                todo.extend(a for a in c.children if a.dep_ == "conj")
                if c.ent_type_ in {"PERSON", "ORG"} and c.pos_ == "PROPN":
                    todo.append(c)  # "on A, B and C" parsed as A's apposition
            elif c.dep_ == "prep" and c.lower_ == "including":
                todo.extend(p for p in c.children if p.dep_ == "pobj")
    return out


def _along_with(verb) -> list:
    """ "..., along with the Sea Lantern and the Aurora Star": more targets, when the
    phrase follows the verb in its clause (before it, it joins the subject)."""
    clause = {verb.i, *(a.i for a in verb.ancestors)}
    return [p for c in verb.sent if c.lower_ == "along" and c.head.i in clause and c.i > verb.i
            for w in c.children if w.lower_ == "with"
            for p in w.children if p.dep_ == "pobj"]


def _participle_target(verb):
    """ "X was one of three tankers sanctioned ...": X; "the firms sanctioned ...": firms."""
    noun = verb.head
    prep = noun.head if noun.dep_ == "pobj" else None
    if prep is not None and prep.lower_ in {"of", "among"}:
        owner = prep.head if prep.head.pos_ in {"VERB", "AUX"} else prep.head.head
        subjects = [c for c in owner.children if c.dep_ == "nsubj"]
        if subjects:
            return subjects[0]
    return noun


def _targets(verb, trigger) -> list:
    """Head tokens of the targets of one sanctions clause."""
    heads = []
    carriers = [verb, trigger]
    # "imposed a travel ban and asset freeze on X": the measure's own "on X" holds the target
    carriers += [c for c in verb.children if c.dep_ == "dobj" and c.lower_ in MEASURE_NOUNS]
    carriers += [c for m in carriers[2:] for c in m.children if c.dep_ == "conj"]
    for carrier in carriers:
        for c in carrier.children:
            if c.dep_ in {"dobj", "nsubjpass"} and c.i != trigger.i \
                    and c.lower_ not in TRIGGERS and c.lower_ not in MEASURE_NOUNS:
                heads.append(c)
            elif c.dep_ == "prep" and c.lower_ in TARGET_PREPS:
                heads.extend(p for p in c.children if p.dep_ == "pobj")
            elif c.dep_ == "dobj" and c.lower_ in {"assets", "property"}:
                # "froze the assets of X", "froze any assets X holds"
                heads.extend(p for prep in c.children if prep.lower_ == "of"
                             for p in prep.children if p.dep_ == "pobj")
                heads.extend(s for rel in c.children if rel.dep_ == "relcl"
                             for s in rel.children if s.dep_ == "nsubj")
    heads.extend(p for c in trigger.children if c.dep_ == "acl" and c.lower_ in AIMED_AT
                 for prep in c.children if prep.dep_ == "prep" and prep.lower_ == "at"
                 for p in prep.children if p.dep_ == "pobj")  # "a package aimed at X"
    if verb.lower_ in TARGET_NOUNS and verb.pos_ == "NOUN":  # "X, the target of ..."
        heads.extend([verb.head] if verb.dep_ == "appos" else
                     [c for c in verb.head.children if c.dep_ == "nsubj"]
                     if verb.dep_ == "attr" else [])
    if heads:  # "on A, the former chief, and B": the parser may hang the list on the verb
        heads.extend(c for c in verb.children if c.dep_ == "conj"
                     and c.pos_ in {"NOUN", "PROPN"})
    heads = [h for h in heads if h.ent_type_ not in NOT_TARGET_ENTS]  # "on May 7"
    if not heads and (_is_subject_to(verb) or verb.lower_.startswith(("face", "risk"))):
        heads.extend(_warned(c) for c in verb.children if c.dep_ == "nsubj")  # "X could face"
    if not heads and verb.dep_ == "acl" and verb.head.i != trigger.i:
        heads.append(_participle_target(verb))
    if not heads and verb.dep_ in {"advcl", "xcomp"} and _verb_action(verb.head) == "imposed":
        # "subject them to travel bans": the measure's verb above holds the target
        heads.extend(c for c in verb.head.children if c.dep_ == "dobj"
                     and c.lower_ not in TRIGGERS and c.lower_ not in MEASURE_NOUNS)
    if heads:
        heads.extend(_along_with(verb))
    out = []
    for h in heads:
        out.extend(t for t in _conjuncts(_antecedent(h)) if t.lower_ not in MEASURE_NOUNS)
    return [_named(t) for t in out]


def _warned(subject):
    """ "warned the government that it could face sanctions": a pronoun subject of what a
    warning says is the one warned (its object), when there is one."""
    verb = subject.head
    if subject.pos_ != "PRON" or verb.dep_ != "ccomp" \
            or verb.head.lower_ not in WARNING_VERBS:
        return subject
    return next((c for c in verb.head.children if c.dep_ == "dobj"), subject)


def _named(tok):
    """ "the tanker Blue Heron", "its founder Gregor Malik", "Sand, the former head of ...,
    who": the name, not the noun."""
    if tok.pos_ != "NOUN":
        return tok
    if tok.dep_ == "appos" and tok.head.pos_ == "PROPN":
        return tok.head
    doc = tok.doc
    names = [c for c in tok.children if c.dep_ in {"appos", "compound"} and c.pos_ == "PROPN"
             and c.ent_type_ not in {"GPE", "NORP"}]  # "Karsistan police officers"
    if names:
        return names[0]
    i = tok.i + 1
    while i < len(doc) and doc[i].pos_ == "PROPN":
        i += 1
    return doc[i - 1] if i > tok.i + 1 else tok


def _addressees(verb) -> list:
    """Who is asked to act in "called on the EU to impose", "urged Washington to sanction"."""
    out = []
    for v in _verb_chain(verb):
        if v.lower_ not in ACTION_VERBS["called_for"]:
            continue
        out += [c for c in v.children if c.dep_ == "dobj"]
        out += [p for c in v.children if c.dep_ == "prep" and c.lower_ == "on"
                for p in c.children if p.dep_ == "pobj"]
    return out


def _called_on(sent) -> str | None:
    """The first body a sentence calls on to act ("urged Britain and the US to act")."""
    for verb in sent:
        if verb.pos_ != "VERB" or verb.lower_ not in ACTION_VERBS["called_for"] \
                or any(c.dep_ == "neg" for c in verb.children):
            continue
        for head in _addressees(verb):
            s, e = _phrase(head)
            body = _body_in(head.doc[s:e])
            if body:
                return body
    return None


def _authority(verb, trigger, unit: Unit, sent, exclude: set[int], story: Story):
    """Canonical body behind the action: the one called on to act, the agent or subject
    (a spokesperson stands for their body), "British sanctions", else the body named in
    the sentence; a clause with no named actor ("It also froze ...", "X was added to the
    list", "officials said X would be subject to ...") or a call by people who are no
    body ("member states have argued for sanctions") continues the story: the authority
    found last, which an announcing body ("The Foreign Office said ...") speaks for."""
    doc = verb.doc
    # a call names who should act; the caller ("a rights group urged ...") is no authority
    calling = action_of(verb) == "called_for"
    subjects = [] if calling else [c for v in _verb_chain(verb) for c in v.children
                                   if c.dep_ == "nsubj" and c.i != trigger.i]
    agents = [p for c in verb.children if c.dep_ == "agent" for p in c.children
              if p.dep_ == "pobj"]
    heads = [h for h in (*_addressees(verb), *agents, *map(_antecedent, subjects))
             if h.i not in exclude and h.pos_ != "PRON"]
    for head in heads:
        if _names_again(head, story.authority):
            return story.authority
        s, e = _phrase(head)
        span = doc[s:e]
        m = _mention_at(story.mentions, unit.offset + span.start_char,
                        unit.offset + span.end_char)
        if m is not None and m.kind == "person":
            if m.role_country:
                return m.role_country
            continue
        if head.lower_ in SPOKES_WORDS:
            body = _body_in(doc[head.left_edge.i:head.right_edge.i + 1])
            if body:
                return body
            continue
        if head.lower_ in HOME_ACTORS and story.home and head.pos_ == "NOUN" and not any(
                c.dep_ in {"poss", "amod", "compound"} or c.dep_ == "prep" and c.lower_ in
                {"of", "in"} for c in head.children):
            return story.home  # "the government", "ministers": the article's own
        # its own name first: "on Britain, the EU and the US" -> Britain
        body = _body_in(span) or _body_in(doc[head.left_edge.i:head.right_edge.i + 1])
        if body and story.authority and head.head.lower_ in REPORT_VERBS \
                and head.head != verb and aliases.GOVERNMENT_OF.get(body) == story.authority:
            return story.authority  # "The Foreign Office said ...": for its government
        if body:
            return body
        if m is not None and m.kind in {"organization", "location"}:
            return m.canonical
        if head.pos_ == "PROPN":
            return aliases.canonical_name(span.text, allow_capital=True)
    owners = [c for c in trigger.children if c.dep_ in {"amod", "compound", "nmod", "poss"}]
    return next((b for b in (aliases.canonical_country(c.text) or _body_in(c.doc[c.i:c.i + 1])
                             for c in owners) if b), None) \
        or _body_in(sent) or (story.addressed or story.authority if calling else
                              None if any(h.head.lower_ not in REPORT_VERBS for h in heads)
                              else story.authority or _demonym_body(sent, exclude))


def _demonym_body(sent, exclude: set[int]) -> str | None:
    """ "X expelled British diplomats in response to sanctions imposed on Y": with no body
    named, a nationality adjective outside the target's phrase names the sanctioning
    country (the target's own, "Russian oligarch Y", is inside it)."""
    for t in sent:
        country = aliases.DEMONYMS.get(t.lower_) if t.ent_type_ == "NORP" else None
        if country and not any(a.i in exclude for a in (t, *t.ancestors, *t.head.subtree)):
            return country
    return None


def _names_again(head, authority: str | None) -> bool:
    """ "The council has also imposed ...": a definite noun for the body named before."""
    return authority is not None and head.pos_ == "NOUN" and \
        any(c.lower_ == "the" for c in head.children) and \
        authority.lower().split()[-1] == head.lower_


def _body_in(span) -> str | None:
    """A known body or country named in a span (longest spelling first)."""
    text = " " + aliases.alias_key(span.text) + " "
    best = None
    for key, name in KNOWN_BODIES:
        if f" {key} " in text and (best is None or len(key) > len(best[0])):
            best = (key, name)
    return best[1] if best else None


KNOWN_BODIES = sorted({**aliases.COUNTRY_TABLE, **aliases.ORG_TABLE}.items(),
                      key=lambda kv: -len(kv[0]))


def _target_type(tok, mention: Mention | None) -> str | None:
    doc = tok.doc
    words = {t.lower_ for t in doc[max(0, tok.i - 3):tok.i + 1]} | \
        {t.lower_ for t in tok.children}
    if words & VESSEL_WORDS:
        return "vessel"
    if mention is not None:
        return mention.kind
    if words & ORG_WORDS:
        return "organization"
    return {"PERSON": "person", "ORG": "organization", "GPE": "location"}.get(tok.ent_type_)


def _reason(verb, trigger, sent_text: str) -> str | None:
    for lead in REASON_LEADS:
        i = sent_text.find(lead)
        if i >= 0:
            rest = sent_text[i + len(lead):].strip(" ,.")
            rest = OBJECT_OF_RE.sub("", rest)  # "accusing them of smuggling" -> smuggling
            return re.split(r"[,;.]| and said\b", rest, maxsplit=1)[0].strip() or None
    for carrier in (verb, trigger):
        for c in carrier.children:
            if c.dep_ == "prep" and c.lower_ in REASON_PREPS:
                objs = [p for p in c.children if p.dep_ in {"pobj", "pcomp"}
                        and p.lower_ not in TRIGGERS and p.lower_ not in MEASURE_HEADS
                        and p.ent_type_ not in NOT_TARGET_ENTS]
                if objs:
                    span = c.doc[objs[0].left_edge.i:objs[0].right_edge.i + 1]
                    return span.text
    return None


def extract_sanctions(units: list[Unit], mentions: list[Mention]) -> list[SanctionRecord]:
    rows: list[SanctionRecord] = []
    story = Story(mentions, home=_home(units, mentions))
    for unit in units:
        on_topic = False  # an earlier sentence of this paragraph is about sanctions
        for sent in unit.doc.sents:
            if len(sent) > MAX_SENTENCE_TOKENS:
                continue
            story.vessels += _vessel_names(sent)
            triggers = [t for t in sent if t.lower_ in TRIGGERS or t.lower_ in MEASURE_HEADS
                        and t.i > 0 and t.doc[t.i - 1].lower_ in MEASURE_MODIFIERS]
            if not triggers and story.authority:
                triggers = [t for t in sent if t.lower_ in STORY_TRIGGERS and t.pos_ == "NOUN"]
            if not triggers and on_topic:
                triggers = [t for t in sent if t.lower_ in ACT_AGAINST and t.pos_ == "VERB"
                            and any(c.dep_ == "prep" and c.lower_ == "against"
                                    for c in t.children)]
            else:
                on_topic = on_topic or bool(triggers)
            if triggers:
                triggers += [t for t in sent if t.lower_ in SECONDARY_TRIGGERS]
                rows.extend(_sentence_rows(unit, sent, triggers, story))
            else:
                story.addressed = _called_on(sent) or story.addressed

    seen, out = set(), []
    for r in rows:
        key = (r.action, r.target_name, r.start_char)
        if key not in seen:
            seen.add(key)
            r.sanction_index = len(out)
            out.append(r)
    return out


def _home(units: list[Unit], mentions: list[Mention]) -> str | None:
    """The country whose government the article is about, when its institutions or
    ministries are named and all belong to one country ("Downing Street said ...")."""
    found = {aliases.INSTITUTIONS[m.group(0)] for u in units
             for m in INSTITUTION_RE.finditer(u.text)}
    found |= {aliases.GOVERNMENT_OF[m.canonical] for m in mentions
              if m.canonical in aliases.GOVERNMENT_OF}
    return found.pop() if len(found) == 1 else None


def _vessel_names(sent) -> list[str]:
    """ "the tanker Blue Heron", "MV Sea Lantern": names that later "the ship" refers to."""
    names = []
    for tok in sent:
        if tok.lower_ in VESSEL_WORDS:
            end = tok.i + 1
            while end < sent.end and sent.doc[end].pos_ == "PROPN":
                end += 1
            if end > tok.i + 1:
                names.append(sent.doc[tok.i + 1:end].text)
    return names


def _sentence_rows(unit: Unit, sent, triggers, story: Story) -> list[SanctionRecord]:
    rows = []
    sent_text = sent.text
    measure = _measure(sent_text, [TRIGGERS.get(t.lower_) for t in triggers])
    program = _program(sent_text)
    for trigger in triggers:
        if any(c.lower_ in NEGATIONS for c in trigger.children):
            continue  # "No such sanctions have been imposed"
        # "its list of blocked property": an adjectival participle is no verb of its own
        verb = trigger if trigger.pos_ == "VERB" and trigger.dep_ != "amod" \
            else _governing_verb(trigger)
        if verb is None:
            continue
        action = action_of(verb)
        if action is None:
            continue
        heads = _targets(verb, trigger)
        authority = _authority(verb, trigger, unit, sent, {t.i for t in heads}, story)
        story.acting = authority
        reason = _reason(verb, trigger, sent_text)
        found = [t for head in heads for t in _resolve(head, unit, story)]
        for target in found:
            rows.append(SanctionRecord(
                article_id="", content_hash="", sanction_index=0, action=action,
                target_name=target.name, evidence_text=sent_text,
                paragraph_index=unit.paragraph_index,
                start_char=unit.offset + sent.start_char, end_char=unit.offset + sent.end_char,
                authority_name=authority, target_type=target.kind, target_role=target.role,
                target_country=target.country, reason=reason, program=program,
                measure=measure))
        if found:  # "lifted sanctions on X a week after blacklisting it": it is X
            story.targets = found
        story.authority = authority or story.authority
    return rows


def _resolve(head, unit: Unit, story: Story) -> list[Target]:
    """The named targets a head token stands for; none for an unnamed group ("three
    tankers", "officials"), which is no row an analyst can use."""
    if head.pos_ == "PRON":  # "removed it from the list": the target named before
        if head.lower_ in {"they", "them"}:  # "named A and B, and urged ... them"
            return _people_before(head, unit, story) or list(story.targets)
        if head.lower_ in PERSONAL_PRONOUNS:
            return _person_before(head, unit, story)
        return story.targets[-1:] if head.lower_ == "it" else []
    s, e = _phrase(head)
    span = head.doc[s:e]
    # the mention must hold the head word: "14 Karsistan police officers" is not Karsistan
    m = _mention_at(story.mentions, unit.offset + head.idx, unit.offset + head.idx + len(head))
    kind = _target_type(head, m)
    if m is not None:
        return [Target(m.canonical, "vessel" if m.canonical in story.vessels else kind,
                       m.role, m.role_country if m.kind == "person" else None)]
    if head.pos_ == "PROPN":
        name = _clean_name(span.text, story.mentions)
        if name and name.lower() not in TRIGGERS:
            return [Target(name, "vessel" if name in story.vessels else kind)]
        return []
    return _referent(head, span, unit, story)


PERSONAL_PRONOUNS = {"him", "her", "he", "she"}


def _person_before(pronoun, unit: Unit, story: Story) -> list[Target]:
    """ "him": the last target unless it is no person, else the person named last before the
    pronoun's sentence (one named in it is its subject or speaker, rarely its object),
    the subject of the sentence before first."""
    if story.targets and story.targets[-1].kind in {"person", None}:
        return story.targets[-1:]
    sent = pronoun.sent
    start = unit.offset + sent.start_char
    people = [m for m in story.mentions if m.kind == "person" and m.end <= start]
    if sent.start > 0:  # the subject of the sentence before is the likeliest antecedent
        before = pronoun.doc[sent.start - 1].sent
        subjects = [c for c in before.root.children if c.dep_ in {"nsubj", "nsubjpass"}]
        for subj in subjects:
            s, e = unit.offset + subj.idx, unit.offset + subj.idx + len(subj)
            m = next((m for m in people if m.start < e and s < m.end), None)
            if m is not None:
                return [Target(m.canonical, "person", m.role, m.role_country)]
    m = people[-1] if people else _identified_later(pronoun, unit, story)
    return [Target(m.canonical, "person", m.role, m.role_country)] if m else []


def _identified_later(pronoun, unit: Unit, story: Story) -> Mention | None:
    """Delayed identification in a lead: "the threats made by Valdoria's army chief ...
    sanctions on him", the chief named in a later paragraph. A role description owned by
    a country or group, earlier in the pronoun's sentence, is the antecedent; the person
    is the first one named after the sentence who was not named before it."""
    sent = pronoun.sent
    described = [t for t in pronoun.doc[sent.start:pronoun.i] if t.pos_ == "NOUN"
                 and t.lower_ in roles.ROLE_HEADS and t.ent_type_ != "PERSON"
                 and any(c.dep_ == "poss" and c.pos_ == "PROPN" for c in t.children)
                 and not any(c.dep_ == "appos" for c in t.children) and t.dep_ != "appos"]
    if not described:
        return None
    end = unit.offset + sent.end_char
    named_before = {m.canonical for m in story.mentions if m.start < end}
    return next((m for m in story.mentions if m.kind == "person" and m.start >= end
                 and m.canonical not in named_before), None)


def _people_before(pronoun, unit: Unit, story: Story) -> list[Target]:
    """People named earlier in the pronoun's sentence, when there are several."""
    lo, hi = unit.offset + pronoun.sent.start_char, unit.offset + pronoun.idx
    people = [m for m in story.mentions if m.kind == "person" and lo <= m.start < hi]
    names = list(dict.fromkeys(m.canonical for m in people))
    if len(names) < 2:
        return []
    first = {m.canonical: m for m in reversed(people)}
    return [Target(n, "person", first[n].role, first[n].role_country) for n in names]


def _referent(head, span, unit: Unit, story: Story) -> list[Target]:
    """What a common noun refers back to: "the ship" -> the vessel named last, "the bank"
    -> the last organisation named "... Bank", "his interior minister" -> the person with
    that role, "Valdoria's banks" -> Valdoria."""
    owners = [c for c in head.children if c.dep_ == "poss" and c.pos_ == "PROPN"]
    if owners:
        return _resolve(owners[0], unit, story)
    members_of = [p for c in head.children if c.dep_ == "prep" and c.lower_ == "of"
                  for p in c.children if p.dep_ == "pobj" and p.pos_ == "PROPN"]
    if members_of:  # "four leaders of the Red Dawn Front": the group is the target
        return _resolve(members_of[0], unit, story)
    if head.lower_ in GOODS_NOUNS:  # "sanctions on European imports": the bloc's trade
        places = [aliases.canonical_country(c.text) for c in head.children
                  if c.dep_ in {"amod", "compound"}]
        name = next((p for p in places if p), None)
        if name:
            return [Target(name, "organization" if name in ORG_NAMES else "location")]
    if head.lower_ in GOVERNMENT_NOUNS:
        return _government(head, span, unit, story)
    if head.tag_ == "NNS" or any(c.dep_ == "nummod" for c in head.children):
        return []  # "three tankers", "54 officials": an unnamed group
    before = unit.offset + span.start_char
    if head.lower_ in VESSEL_WORDS and story.vessels:
        return [Target(story.vessels[-1], "vessel")]
    words = span.text.lower()
    for m in reversed(story.mentions):
        if m.start >= before:
            continue
        if m.kind == "person" and m.role and m.role.lower().endswith(words) or \
                m.kind == "organization" and m.canonical.lower().split()[-1] == head.lower_:
            return [Target(m.canonical, m.kind, m.role,
                           m.role_country if m.kind == "person" else None)]
    for m in story.mentions:  # "his interior minister" in a lead, named in the next paragraph
        if m.start > before and m.kind == "person" and m.role \
                and m.role.lower().endswith(words):
            return [Target(m.canonical, m.kind, m.role, m.role_country)]
    return []


def _government(head, span, unit: Unit, story: Story) -> list[Target]:
    """ "the Karsistani government" -> Karsistan; "the government" alone -> the country
    named last before it, other than the one acting against it."""
    for c in head.children:
        if c.dep_ in {"amod", "compound"} and c.ent_type_ in {"GPE", "NORP"}:
            name = aliases.DEMONYMS.get(c.lower_)
            return [Target(name, "location")] if name else _resolve(c, unit, story)
    if any(c.dep_ == "poss" for c in head.children):
        return []  # "its government", "her government": whose is not ours to guess
    before = unit.offset + span.start_char
    for m in reversed(story.mentions):
        if m.start < before and m.kind == "location" and m.canonical != story.acting \
                and aliases.alias_key(m.canonical) not in aliases.CAPITAL_ALIASES:
            return [Target(m.canonical, "location")]
    return []


def _clean_name(text: str, mentions: list[Mention]) -> str:
    """A target NER missed: tidy it, and "Tahiri" -> "Omar Tahiri" if one person fits."""
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(" ,.;:"), flags=re.I)
    text = re.sub(r"[’']s$", "", text)
    if " " not in text:
        people = {m.canonical for m in mentions if m.kind == "person"
                  and text in m.canonical.split()}
        if len(people) == 1:
            return people.pop()
    return aliases.canonical_name(text)
