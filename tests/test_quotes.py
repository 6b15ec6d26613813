"""Direct quotes, fragments, reported speech and their speakers (texts written for these
tests; the quote benchmark is evaluation-only and never copied here)."""

from __future__ import annotations

import pytest

from extractors.nlp.quotes import scan_marks
from tests import nlp_fixtures
from tests.nlp_fixtures import enrich

nlp = nlp_fixtures.nlp  # the shared fixture


STORY = (
    "Foreign Secretary Helen Marsh condemned the general's “reckless and cruel” threats "
    "on Tuesday.",
    "“We will not be intimidated,” Marsh said, “and we will act with our allies.”",
    "Interior Minister Omar Tahiri rejected the criticism. “This is interference,” he said.",
    "“Our patience has limits. The region deserves peace.",
    "“We are ready to talk,” Marsh told reporters.",
    "The so-called “peace plan” was published on Friday.",
    "Tahiri said that the government would not back down. According to Marsh, the allies "
    "are united.",
)


@pytest.fixture(scope="module")
def quotes(nlp):
    return {q.quote_text: q for q in enrich(nlp, *STORY).quotes}


def test_fragment_is_the_speakers_words(quotes):
    q = quotes["reckless and cruel"]
    assert (q.is_direct, q.is_fragment, q.speaker_name, q.cue) == (
        True, True, "Helen Marsh", "condemned")


def test_interrupted_quote_is_two_pieces_with_one_speaker(quotes):
    first = quotes["We will not be intimidated"]  # trailing comma dropped
    second = quotes["and we will act with our allies."]
    for q in (first, second):
        assert (q.is_direct, q.is_fragment, q.cue, q.speaker_text, q.speaker_name) == (
            True, False, "said", "Marsh", "Helen Marsh")
    assert (first.speaker_start, first.speaker_end) == (second.speaker_start,
                                                        second.speaker_end)


def test_pronoun_speaker_resolves_to_the_last_person(quotes):
    q = quotes["This is interference"]
    assert (q.speaker_text, q.speaker_name) == ("he", "Omar Tahiri")


def test_quote_running_over_two_paragraphs(quotes):
    opened = quotes["Our patience has limits. The region deserves peace."]
    closed = quotes["We are ready to talk"]
    assert opened.speaker_name == closed.speaker_name == "Helen Marsh"
    assert closed.paragraph_index == opened.paragraph_index + 1


def test_scare_quote_has_no_speaker(quotes):
    q = quotes["peace plan"]
    assert (q.is_fragment, q.speaker_name, q.speaker_text, q.cue) == (True, None, None, None)


def test_reported_speech(quotes):
    said = quotes["that the government would not back down"]
    assert (said.is_direct, said.cue, said.speaker_name) == (False, "said", "Omar Tahiri")
    according = quotes["the allies are united"]
    assert (according.is_direct, according.cue, according.speaker_name) == (
        False, "according to", "Helen Marsh")


def test_offsets_point_into_body_text(nlp):
    result = enrich(nlp, *STORY)
    body = "\n\n".join(STORY)
    for q in result.quotes:
        assert body[q.start_char:q.end_char] == q.quote_text
        if q.speaker_start is not None:
            assert body[q.speaker_start:q.speaker_end] == q.speaker_text
        assert body[q.start_char:q.end_char] in STORY[q.paragraph_index] or "\n" in q.quote_text


def test_straight_marks_and_speaker_after_the_verb(nlp):
    result = enrich(nlp, 'Dana Whitfield spoke first. "Sanctions work," said Whitfield, a '
                         'former envoy to the region. "They always have."')
    texts = {q.quote_text: q for q in result.quotes}
    assert texts["Sanctions work"].speaker_name == "Dana Whitfield"
    assert texts["They always have."].speaker_name == "Dana Whitfield"


def test_nested_and_unbalanced_marks_do_not_crash():
    assert scan_marks("He said “she told me ‘never’ twice” and left.") == [(8, 35, True)]
    assert scan_marks("“Never,” he said. “Unclosed quote runs on") == [
        (0, 8, True), (18, 41, False)]
    assert scan_marks('a 5" screen') == [(3, 11, False)]


def test_scan_is_linear_on_hostile_input():
    import time
    text = '"' * 50_000 + "“" * 50_000 + "a " * 50_000
    started = time.perf_counter()
    scan_marks(text)
    assert time.perf_counter() - started < 2


def test_a_title_ending_a_sentence_ends_a_list_of_fragments(nlp):
    quotes = enrich(nlp, '"The plan is dead," Lena Holm said on the "Morning Show." '
                         '"Nobody in this town wants it."').quotes
    last = next(q for q in quotes if q.quote_text.startswith("Nobody"))
    assert not last.is_fragment and last.speaker_text == "Lena Holm"


def test_a_paragraph_that_is_only_a_quote_continues_the_last_speaker(nlp):
    quotes = enrich(nlp, '"The bridge is safe," Lena Holm said on Monday.',
                    '"We checked every bolt twice."').quotes
    first, second = (q for q in quotes if q.is_direct)
    assert second.speaker_text == "Lena Holm"
    assert (second.speaker_start, second.cue) == (first.speaker_start, first.cue)


def reported_texts(nlp, paragraph: str) -> dict:
    return {q.quote_text: q for q in enrich(nlp, paragraph).quotes if not q.is_direct}


@pytest.mark.parametrize(("paragraph", "content", "speaker"), [
    # the clause the attribution interrupts or closes
    ("The talks, Marsh said, were going well.", "The talks, Marsh said, were going well",
     "Marsh"),
    ("The talks were going well, Marsh said.", "The talks were going well", "Marsh"),
    # "according to X" in mid-sentence: the sentence around it
    ("The talks, according to Marsh, were going well.",
     "The talks, according to Marsh, were going well", "Marsh"),
    # an object cue whose complement is a clause: the clause is what was weighed
    ("Several councillors questioned whether the new bridge would ever pay for itself.",
     "whether the new bridge would ever pay for itself", "Several councillors"),
    # a cue noun: its owner speaks ("her call for ..."); a light verb's subject raises it
    ("The mayor renewed her call for a second bridge across the river.",
     "a second bridge across the river", "her"),
    ("Councillor Dana Price raised doubts about the cost of the bridge.",
     "the cost of the bridge", "Dana Price"),
    ("Jonas Berg's claim that the bridge was safe has not convinced the engineers.",
     "that the bridge was safe", "Jonas Berg's"),
    # an intention noun with its infinitive; an owner that is a common noun
    ("Her decision to close the bridge angered many drivers.", "to close the bridge", "Her"),
    ("The union's appeals for a higher minimum wage have failed.", "a higher minimum wage",
     "union"),
    ("His statements about the budget were misleading.", "the budget", "His"),
    # "responded by saying", "before adding": the one who acts is the speaker
    ("The mayor responded by saying that the bridge would open in May.",
     "that the bridge would open in May", "The mayor"),
    # "were more likely to say": the subject sits above the adjective
    ("Older residents were more likely to say that the bridge was too expensive.",
     "that the bridge was too expensive", "Older residents"),
    # a quoted fragment closing the clause is in the clause whole, marks included
    ('The mayor, who says the plan is "reckless."', 'the plan is "reckless."', "who"),
    # an attribution inside the clause: the words on both sides were reported
    ("The plan is finished, the mayor said, and the bridge will close.",
     "The plan is finished, the mayor said, and the bridge will close", "the mayor"),
    # an object cue reports its whole clause to the right, not only the object
    ("The latest survey showed the mayor with a clear lead in the northern districts.",
     "the mayor with a clear lead in the northern districts", "The latest survey"),
    # a name alone is enough of an object
    ("The union endorsed Lindqvist.", "Lindqvist", "The union"),
    # the clause the verb governs, not the one before a colon
    ("One thing was clear: the engineers told us the bridge was unsafe.",
     "the bridge was unsafe", "the engineers"),
    # talking about a topic; "to" after a verb of talking is the listener
    ("The governor spoke to reporters about the cost of the new bridge.",
     "the cost of the new bridge", "The governor"),
    ("The council focused on the cost of the new bridge.", "the cost of the new bridge",
     "The council"),
    # a vote is a stand taken
    ("Three senators voted against the new budget.", "the new budget", "Three senators"),
    # a report verb the tagger took for a noun, given a subject by the parser
    ("But Smith claims that he should be the exception.", "that he should be the exception",
     "Smith"),
    # an attitude adjective: its clause or object is what the subject holds
    ("Many residents are worried that the bridge will never open.",
     "that the bridge will never open", "Many residents"),
    ("The engineers were sceptical about the new design.", "the new design", "The engineers"),
])
def test_reported_clause_rules(nlp, paragraph, content, speaker):
    found = reported_texts(nlp, paragraph)
    assert content in found, found
    assert found[content].speaker_text == speaker


def test_a_passive_report_names_its_agent(nlp):
    found = reported_texts(nlp, "The new bridge plan was criticized by the engineers.")
    assert found["The new bridge plan"].speaker_text == "the engineers"


@pytest.mark.parametrize("paragraph", [
    "The official spoke on condition of anonymity.",
    "Two diplomats asked not to be named.",
])
def test_a_request_for_anonymity_reports_nothing(nlp, paragraph):
    assert reported_texts(nlp, paragraph) == {}


def test_publishing_verbs_report_no_medium(nlp):
    assert reported_texts(nlp, "The mayor released a statement on Monday.") == {}


def test_a_negated_verb_over_an_open_question_reports_nothing(nlp):
    assert reported_texts(nlp, "The mayor did not say who would pay for the bridge.") == {}


@pytest.mark.parametrize(("paragraph", "content"), [
    # how something seems or is held to be: the subject and its complement, no speaker
    ("The mayor seemed ready to resign.", "The mayor seemed ready to resign"),
    ("The mayor is considered a favourite for the post.",
     "The mayor is considered a favourite for the post"),
    ("The new bridge, known as the Blue Line, opens in May.",
     "The new bridge, known as the Blue Line"),
    # an impersonal "it appears": the clause
    ("It appears that the council has run out of money.",
     "that the council has run out of money"),
    # a report verb in the passive: what was reported is its subject (and complement)
    ("The plan was criticized as too costly.", "The plan was criticized as too costly"),
    ("Two officials were accused of taking bribes.",
     "Two officials were accused of taking bribes"),
])
def test_appearances_are_attributions_without_a_speaker(nlp, paragraph, content):
    found = reported_texts(nlp, paragraph)
    assert content in found, found
    assert found[content].speaker_text is None
