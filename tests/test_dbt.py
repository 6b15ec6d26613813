"""dbt_project/ built for real (dbt-duckdb) on a small hand-written work database.

One build sequence per session is shared by the assertions here and in test_validate.py /
test_dbt_postgres.py (each dbt invocation takes ~5-10 s): layer by layer from empty -> a
second batch + incremental build (rewrites only what changed) -> `--full-refresh`
(identical to the incremental result) -> `dbt docs generate`.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from extractors import transform
from extractors.load import EnrichmentStatus, create_raw_tables, load_rows
from extractors.records import (
    DiscoveredUrl,
    EntityMention,
    FetchRecord,
    ParsedArticle,
    QuoteRecord,
    SanctionRecord,
)
from extractors.transform import LAYERS, DbtError, DbtResult, run_dbt
from extractors.warehouse import connect

MARTS = ("articles", "entities", "entity_mentions", "quotes", "sanctions",
         "sanctions_by_authority", "quotes_about_entity")

# article ids: sha256 prefixes in real runs; any 16 hex digits here
A, B, C, D = "aaaa000000000001", "bbbb000000000002", "cccc000000000003", "dddd000000000004"

A_V1 = ["Helen Marsh, the Foreign Secretary, spoke in London on Monday.",
        "The U.S. said nothing."]
A_V2 = ["Foreign Secretary Helen Marsh said on Monday the sanctions were overdue.",
        "The US Treasury imposed sanctions on Ivan Petrov, Volga Shipping and the Sea Star.",
        "The United States acted after the U.S. Congress urged it."]
B_BODY = ["Marsh told reporters: \"The United States will not stand alone.\"",
          "Officials in Washington agreed."]
D_BODY = ["John Marsh, a trade envoy, met Ivan Petrov.",
          "The United States watched closely."]


def body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def span(paragraphs: list[str], text: str, paragraph: int | None = None) -> tuple[int, int, int]:
    """(paragraph_index, start_char, end_char) of text's first occurrence in the body."""
    full = body(paragraphs)
    start = full.index(text)
    if paragraph is None:
        paragraph = full[:start].count("\n\n")
    return paragraph, start, start + len(text)


def article(article_id: str, paragraphs: list[str], content_hash: str, *, run_id: str,
            fetched_at: str, published_at: str | None, source: str = "herald",
            title: str = "Sanctions story", url: str | None = None) -> ParsedArticle:
    url = url or f"https://{source}.example/news/{article_id}"
    return ParsedArticle(
        url=url, parse_status="ok", article_id=article_id, source=source, run_id=run_id,
        canonical_url=url, title=title, authors=["Ann Writer"], published_at=published_at,
        section="World", tags=["sanctions"], language="en", site_name=source.title(),
        key_points=["Sanctions imposed"], paragraphs=paragraphs, body_text=body(paragraphs),
        word_count=len(body(paragraphs).split()), content_hash=content_hash,
        content_sha256=(content_hash + article_id)[:64], fetched_at=fetched_at,
        extraction_method="json_ld")


def mention(article_id: str, content_hash: str, index: int, paragraphs: list[str], text: str,
            canonical: str, entity_type: str, **extra) -> EntityMention:
    p, s, e = span(paragraphs, text)
    return EntityMention(article_id, content_hash, index, text, canonical, entity_type, p, s, e,
                         **extra)


def first_load(con) -> None:
    """Run 1: A (two versions), B (wire original) and C (a syndicated copy of B)."""
    run = "run-1"
    articles = [
        article(A, A_V1, "hash-a-v1", run_id=run, fetched_at="2026-03-02T08:00:00+00:00",
                published_at="2026-03-02T07:00:00+00:00"),
        article(A, A_V2, "hash-a-v2", run_id=run, fetched_at="2026-03-02T12:00:00+00:00",
                published_at="2026-03-02T07:00:00+00:00", title="US imposes sanctions"),
        article(B, B_BODY, "hash-b", run_id=run, source="wire",
                fetched_at="2026-03-01T10:00:00+00:00", published_at="2026-03-01T09:00:00Z"),
        article(C, B_BODY, "hash-b", run_id=run, source="herald",
                fetched_at="2026-03-02T10:00:00+00:00", published_at="2026-03-01T15:00:00Z"),
        ParsedArticle(url="https://herald.example/about", parse_status="not_an_article",
                      article_id="eeee000000000005", source="herald", run_id=run,
                      content_sha256="f" * 64, fetched_at="2026-03-02T08:00:00+00:00"),
    ]
    mentions = [
        # old version of A: must not reach the marts
        mention(A, "hash-a-v1", 0, A_V1, "Helen Marsh", "Helen Marsh", "person"),
        mention(A, "hash-a-v1", 1, A_V1, "U.S.", "U.S.", "location"),
        # latest version of A
        mention(A, "hash-a-v2", 0, A_V2, "Helen Marsh", "Helen Marsh", "person",
                role="Foreign Secretary", role_country="United Kingdom"),
        mention(A, "hash-a-v2", 1, A_V2, "US Treasury", "US Treasury", "organization"),
        mention(A, "hash-a-v2", 2, A_V2, "Ivan Petrov", "Ivan Petrov", "person"),
        mention(A, "hash-a-v2", 3, A_V2, "Volga Shipping", "Volga Shipping", "organization"),
        mention(A, "hash-a-v2", 4, A_V2, "United States", "United States", "location"),
        mention(A, "hash-a-v2", 5, A_V2, "U.S.", "U.S.", "location"),
        # B: "Marsh" alone, resolved across articles to Helen Marsh
        mention(B, "hash-b", 0, B_BODY, "Marsh", "Marsh", "person"),
        mention(B, "hash-b", 1, B_BODY, "United States", "United States", "location"),
        mention(B, "hash-b", 2, B_BODY, "Washington", "Washington", "location"),
        # C is a copy of B: the same NLP results under its own article_id
        mention(C, "hash-b", 0, B_BODY, "Marsh", "Marsh", "person"),
        mention(C, "hash-b", 1, B_BODY, "United States", "United States", "location"),
        mention(C, "hash-b", 2, B_BODY, "Washington", "Washington", "location"),
    ]
    quote_text = "The United States will not stand alone."
    qp, qs, qe = span(B_BODY, quote_text)
    quotes = [
        QuoteRecord(aid, "hash-b", 0, quote_text, True, False, qp, qs, qe, cue="told",
                    speaker_text="Marsh", speaker_name="Marsh", speaker_start=0, speaker_end=5)
        for aid in (B, C)
    ]
    evidence = A_V2[1]
    sp, ss, se = span(A_V2, evidence)
    sanctions = [
        SanctionRecord(A, "hash-a-v2", i, "imposed", target, evidence, sp, ss, se,
                       authority_name="US Treasury", target_type=ttype,
                       program="Russia-related", measure="asset freeze")
        for i, (target, ttype) in enumerate([("Ivan Petrov", "person"),
                                             ("Volga Shipping", "organization"),
                                             ("Sea Star", "vessel")])
    ]
    # the NLP reporting one event twice: collapses to one row per target
    sanctions.append(SanctionRecord(A, "hash-a-v2", 3, "imposed", "Ivan Petrov", evidence,
                                    sp, ss, se, authority_name="US Treasury",
                                    target_type="person"))
    enrichments = [EnrichmentStatus(aid, h, "ok") for aid, h in
                   [(A, "hash-a-v1"), (A, "hash-a-v2"), (B, "hash-b"), (C, "hash-b")]]
    fetches = [FetchRecord(run, a.source, a.url, 1, "ok", a.fetched_at, http_status=200)
               for a in articles]
    discoveries = [DiscoveredUrl(a.source, a.url, "urls") for a in articles]
    for table, rows in [("discoveries", discoveries), ("fetches", fetches),
                        ("articles", articles), ("enrichments", enrichments),
                        ("entity_mentions", mentions), ("quotes", quotes),
                        ("sanctions", sanctions)]:
        load_rows(con, table, rows, run)


def second_load(con) -> None:
    """Run 2: one new article D, which also names a second Marsh (John Marsh)."""
    run = "run-2"
    new = article(D, D_BODY, "hash-d", run_id=run, fetched_at="2026-03-03T10:00:00+00:00",
                  published_at="2026-03-03T09:00:00+00:00", title="Envoy meets Petrov")
    load_rows(con, "articles", [new], run)
    load_rows(con, "enrichments", [EnrichmentStatus(D, "hash-d", "ok")], run)
    load_rows(con, "entity_mentions", [
        mention(D, "hash-d", 0, D_BODY, "John Marsh", "John Marsh", "person"),
        mention(D, "hash-d", 1, D_BODY, "Ivan Petrov", "Ivan Petrov", "person"),
        mention(D, "hash-d", 2, D_BODY, "United States", "United States", "location"),
    ], run)


def build_fixture_db(path: Path) -> Path:
    with connect(path) as con:
        create_raw_tables(con)
        first_load(con)
    return path


def mart_rows(db: Path, table: str, order_by: str = "1") -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(f"select * from marts.{table} order by {order_by}").fetchall()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    with connect(db, read_only=True) as con:
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall()
                for t in MARTS}


def entity_id(entity_type: str, name: str) -> str:
    import hashlib

    return hashlib.md5(f"{entity_type}|{name.lower()}".encode()).hexdigest()


_SEQUENCE: dict = {}


def build_sequence(tmp_path_factory) -> dict:
    """Run the build sequence once per session (test_validate and test_dbt_postgres reuse
    it); each stage's database is kept as a copy.

    first: layer by layer from an empty work database, as the DAG builds -> a second
    batch loaded + incremental build -> `--full-refresh` -> `dbt docs generate`.
    """
    if _SEQUENCE:
        return _SEQUENCE
    base = tmp_path_factory.mktemp("dbt")
    target = base / "target"
    db = build_fixture_db(base / "work.duckdb")
    out: dict = {"layers": {layer: run_dbt(["build", "--select", *selection], db,
                                           target_dir=target)
                            for layer, selection in LAYERS.items()}}
    shutil.copy(db, base / "first.duckdb")
    with connect(db) as con:
        second_load(con)
    flip_markers(db)
    out["incremental"] = run_dbt(["build"], db, target_dir=target)
    out["untouched"] = flip_markers(db, unmark=True)
    shutil.copy(db, base / "incremental.duckdb")
    out["full_refresh"] = run_dbt(["build"], db, full_refresh=True, target_dir=target)
    out["docs"] = run_dbt(["docs", "generate"], db, target_dir=target)
    out.update(dbs={name: base / f"{name}.duckdb" for name in ("first", "incremental")},
               full_refresh_db=db, target=target)
    _SEQUENCE.update(out)
    return _SEQUENCE


# A column per incremental mart that its change detection ignores: x -> -1 - x marks a row
# (x >= 0 -> negative), and the same map unmarks it; rows still marked after an
# incremental build are rows it did not rewrite.
MARKERS = {"articles": "version_count", "entity_mentions": "paragraph_index",
           "quotes": "paragraph_index", "sanctions": "paragraph_index",
           "quotes_about_entity": "mention_count"}


def flip_markers(db: Path, *, unmark: bool = False) -> dict[str, set[str]]:
    """Mark every mart row, or unmark the marked ones and return their article_ids."""
    marked = {}
    with connect(db) as con:
        for table, col in MARKERS.items():
            where = f"{col} {'<' if unmark else '>='} 0"
            marked[table] = {r[0] for r in con.execute(
                f"select distinct article_id from marts.{table} where {where}").fetchall()}
            con.execute(f"update marts.{table} set {col} = -1 - {col} where {where}")
    return marked


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict:
    return build_sequence(tmp_path_factory)


def test_layer_by_layer_build_passes_and_reports_counts(builds):
    results: dict[str, DbtResult] = builds["layers"]
    assert all(r.ok and not r.failures for r in results.values())
    assert results["staging"].counts.get("success", 0) == 8  # 7 views + the alias seed
    assert results["intermediate"].counts.get("success", 0) == 6
    assert results["marts"].counts.get("success", 0) == len(MARTS)
    assert sum(r.counts.get("pass", 0) for r in results.values()) > 40  # data + unit tests
    assert all("error" not in r.counts and "fail" not in r.counts for r in results.values())


def test_articles_latest_version_and_syndication(builds):
    db = builds["dbs"]["first"]
    rows = {r[0]: r for r in mart_rows(db, "articles")}
    assert set(rows) == {A, B, C}  # the not_an_article page is left out
    with connect(db, read_only=True) as con:
        a = con.execute("select title, content_hash, version_count, authors, key_points, "
                        "syndicated_from_article_id, word_count from marts.articles "
                        "where article_id = ?", [A]).fetchone()
        synd = dict(con.execute("select article_id, syndicated_from_article_id "
                                "from marts.articles").fetchall())
    assert a[:3] == ("US imposes sanctions", "hash-a-v2", 2)
    assert a[3] == ["Ann Writer"] and a[4] == ["Sanctions imposed"]
    assert a[5] is None and a[6] > 0
    assert synd == {A: None, B: None, C: B}  # C copies B, published earlier


def test_entities_resolve_aliases_and_short_forms(builds):
    db = builds["dbs"]["first"]
    with connect(db, read_only=True) as con:
        entities = {r[0]: r for r in con.execute(
            "select name, entity_type, entity_id, mention_count, article_count, aliases "
            "from marts.entities").fetchall()}
        mentions = con.execute("select count(*), count(distinct article_id) "
                               "from marts.entity_mentions").fetchone()
    us = entities["United States"]
    assert us[1] == "location" and us[2] == entity_id("location", "United States")
    assert us[3] == 4 and us[4] == 3 and set(us[5]) == {"U.S.", "United States"}
    marsh = entities["Helen Marsh"]
    assert marsh[3] == 3 and set(marsh[5]) == {"Helen Marsh", "Marsh"}
    assert "Marsh" not in entities and "U.S." not in entities
    treasury = entities["United States Department of the Treasury"]
    assert treasury[1] == "organization" and "US Treasury" in treasury[5]
    assert mentions == (12, 3)  # the superseded version's mentions are not there


def test_quotes_link_speaker(builds):
    db = builds["dbs"]["first"]
    with connect(db, read_only=True) as con:
        quotes = con.execute("select article_id, speaker_name, speaker_entity_id, speaker_text, "
                             "quote_id from marts.quotes order by article_id").fetchall()
        about = con.execute("select quote_id, about_name from marts.quotes_about_entity "
                            "order by all").fetchall()
    helen = entity_id("person", "Helen Marsh")
    assert [(q[0], q[1], q[2], q[3]) for q in quotes] == [
        (B, "Helen Marsh", helen, "Marsh"), (C, "Helen Marsh", helen, "Marsh")]
    assert all(len(q[4]) == 32 for q in quotes)
    assert [a[1] for a in about] == ["United States", "United States"]


def test_sanctions_one_row_per_target(builds):
    db = builds["dbs"]["first"]
    with connect(db, read_only=True) as con:
        rows = con.execute("select target_name, target_entity_id, authority_name, "
                           "authority_entity_id, action, published_at, source_url "
                           "from marts.sanctions order by sanction_index").fetchall()
        daily = con.execute("select * exclude (authority_entity_id) "
                            "from marts.sanctions_by_authority").fetchall()
    assert [r[0] for r in rows] == ["Ivan Petrov", "Volga Shipping", "Sea Star"]
    assert rows[0][1] == entity_id("person", "Ivan Petrov")
    assert rows[1][1] == entity_id("organization", "Volga Shipping")
    assert rows[2][1] is None  # a vessel never mentioned as an entity
    assert {r[2] for r in rows} == {"United States Department of the Treasury"}
    assert rows[0][3] == entity_id("organization", "United States Department of the Treasury")
    assert rows[0][5].isoformat().startswith("2026-03-02T07:00")
    assert rows[0][6] == f"https://herald.example/news/{A}"
    assert [(str(d[0]), d[1], d[2], d[3], d[4]) for d in daily] == [
        ("2026-03-02", "United States Department of the Treasury", "imposed", 3, 3)]


def test_incremental_adds_only_the_new_article(builds):
    before = {r[0]: r for r in mart_rows(builds["dbs"]["first"], "articles")}
    after = {r[0]: r for r in mart_rows(builds["dbs"]["incremental"], "articles")}
    assert set(after) - set(before) == {D}
    assert all(after[k] == before[k] for k in before)
    with connect(builds["dbs"]["incremental"], read_only=True) as con:
        speakers = con.execute("select distinct speaker_name, speaker_entity_id "
                               "from marts.quotes").fetchall()
        petrov = con.execute("select article_count from marts.entities "
                             "where name = 'Ivan Petrov'").fetchone()
    # "Marsh" is now ambiguous (Helen or John): an entity of its own, old quotes re-linked
    assert speakers == [("Marsh", entity_id("person", "Marsh"))]
    assert petrov == (2,)


def test_full_refresh_equals_incremental(builds):
    assert snapshot(builds["full_refresh_db"]) == snapshot(builds["dbs"]["incremental"])


def test_incremental_rewrites_only_what_changed(builds):
    """Cost in proportion to new articles: rows of articles the second batch did not touch
    are not rewritten (their markers survive). B and C's mentions and quotes are, because
    John Marsh made their "Marsh" ambiguous."""
    untouched = builds["untouched"]
    assert untouched["articles"] == {A, B, C}
    assert untouched["entity_mentions"] == {A}
    assert untouched["sanctions"] == {A}
    assert untouched["quotes"] == set()
    assert untouched["quotes_about_entity"] == set()  # B and C's quotes were rebuilt


def test_articles_rebuilds_the_new_and_their_syndication_groups(builds, tmp_path):
    """The articles mart rebuilds the articles with a new version (even one that is not the
    latest: version_count) and those sharing a body with one, as it is now or was
    (syndicated_from_article_id can change), and no other."""
    db = tmp_path / "work.duckdb"
    shutil.copy(builds["dbs"]["incremental"], db)
    e = "ffff000000000006"

    def load_and_build(version: ParsedArticle) -> set[str]:
        with connect(db) as con:
            load_rows(con, "articles", [version], version.run_id)
        flip_markers(db)
        run_dbt(["build", "--select", "articles"], db, target_dir=tmp_path / "t")
        return {A, B, C, D} - flip_markers(db, unmark=True)["articles"]

    # E carries B's body, published before B: it becomes the first, for B and C too
    copy = article(e, B_BODY, "hash-b", run_id="run-3", fetched_at="2026-03-04T10:00:00Z",
                   published_at="2026-03-01T05:00:00Z", source="post")
    assert load_and_build(copy) == {B, C}
    with connect(db, read_only=True) as con:
        synd = dict(con.execute("select article_id, syndicated_from_article_id "
                                "from marts.articles").fetchall())
    assert synd == {A: None, B: e, C: e, D: None, e: None}
    # E's new version has a body of its own: its old group (B, C) is rebuilt without it
    rewritten = article(e, D_BODY[:1], "hash-e2", run_id="run-4",
                        fetched_at="2026-03-05T10:00:00Z", published_at="2026-03-01T05:00:00Z",
                        source="post")
    assert load_and_build(rewritten) == {B, C}
    with connect(db, read_only=True) as con:
        synd = dict(con.execute("select article_id, syndicated_from_article_id "
                                "from marts.articles").fetchall())
    assert synd == {A: None, B: None, C: B, D: None, e: None}
    # a version of A fetched before its latest, loaded only now: A's row counts it
    older = article(A, A_V1, "hash-a-v0", run_id="run-5", fetched_at="2026-03-02T06:00:00Z",
                    published_at="2026-03-02T07:00:00Z")
    assert load_and_build(older) == {A}
    with connect(db, read_only=True) as con:
        a = con.execute("select content_hash, version_count from marts.articles "
                        "where article_id = ?", [A]).fetchone()
    assert a == ("hash-a-v2", 3)
    incremental = mart_rows(db, "articles")
    run_dbt(["build", "--select", "articles"], db, full_refresh=True, target_dir=tmp_path / "t")
    assert mart_rows(db, "articles") == incremental


def test_quotes_about_entity_rebuilds_what_its_inputs_rebuilt(builds, tmp_path):
    """quotes_about_entity rebuilds the articles quotes and entity_mentions queued, and those
    about an entity whose name changed; with nothing changed it rewrites nothing, and with a
    queue gone or after a rebuild of quotes from scratch it rewrites everything, as a full
    refresh builds it."""
    db = tmp_path / "work.duckdb"
    shutil.copy(builds["dbs"]["incremental"], db)

    def rewritten() -> set[str]:
        flip_markers(db)
        run_dbt(["build", "--select", "quotes_about_entity"], db, target_dir=tmp_path / "t")
        marked = flip_markers(db, unmark=True)["quotes_about_entity"]
        return {B, C} - marked  # the articles with quotes about an entity

    assert rewritten() == set()
    with connect(db) as con:
        con.execute("update intermediate.quotes_about_entity__resolutions set name = 'U.S.' "
                    "where name = 'United States'")
    assert rewritten() == {B, C}
    assert rewritten() == set()
    with connect(db) as con:
        con.execute("drop table intermediate.entity_mentions__rebuilt")
    assert rewritten() == {B, C}
    # quotes rebuilt from scratch, then incrementally, before the reader's next build: the
    # first queued every article, so the reader still rewrites them all
    run_dbt(["build", "--select", "quotes"], db, full_refresh=True, target_dir=tmp_path / "t")
    run_dbt(["build", "--select", "quotes"], db, target_dir=tmp_path / "t")
    assert rewritten() == {B, C}
    assert snapshot(db) == snapshot(builds["full_refresh_db"])


def test_mart_without_saved_resolutions_rebuilds_every_article(builds, tmp_path):
    """A name-linking mart keeps the resolutions of its last build beside it; without them
    (the first build since they came in, or the table dropped) it cannot tell whose links
    changed, so it rewrites every article, and comes out as a full refresh builds it."""
    db = tmp_path / "work.duckdb"
    shutil.copy(builds["dbs"]["incremental"], db)
    with connect(db) as con:
        con.execute("drop table intermediate.quotes__resolutions")
    flip_markers(db)
    run_dbt(["build", "--select", "quotes"], db, target_dir=tmp_path / "target")
    assert flip_markers(db, unmark=True)["quotes"] == set()
    assert snapshot(db) == snapshot(builds["full_refresh_db"])
    with connect(db, read_only=True) as con:
        saved = con.execute("select count(*) from intermediate.quotes__resolutions").fetchone()
    assert saved[0] > 0


def test_failing_build_raises_readable_error(builds, tmp_path):
    db = tmp_path / "bad.duckdb"
    shutil.copy(builds["dbs"]["first"], db)
    with connect(db) as con:
        # a mention type outside the contract: the staging layer's accepted_values fails
        load_rows(con, "entity_mentions", [
            mention(B, "hash-b", 0, B_BODY, "Marsh", "Marsh", "vessel")], "run-1")
    with pytest.raises(DbtError) as err:
        run_dbt(["test", "--select", "stg_entity_mentions"], db, target_dir=tmp_path / "t")
    assert "stg_entity_mentions" in str(err.value) and "accepted_values" in str(err.value)
    assert str(err.value).startswith("dbt test failed (exit 1; ")  # the verb before the flags


def test_docs_generate_documents_every_model_and_column(builds):
    """`dbt docs generate` builds the site, and every model, seed and column in the
    warehouse's catalog has a description (raw columns are documented on their stg_ model,
    one per source table, same names)."""
    target = builds["target"]
    assert builds["docs"].ok and (target / "index.html").is_file()
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undocumented = []
    for uid, entry in catalog["nodes"].items():
        node = manifest["nodes"][uid]
        if not node["description"].strip():
            undocumented.append(uid)
        documented = {name.lower() for name, col in node["columns"].items()
                      if col["description"].strip()}
        undocumented += [f"{uid}.{c}" for c in entry["columns"] if c.lower() not in documented]
    assert len(catalog["nodes"]) >= 21 and undocumented == []
    sources = {s["name"]: s for s in manifest["sources"].values()}
    assert all(s["description"] and s["freshness"]["warn_after"]["count"]
               for s in sources.values())
    assert "fetched_at" in sources["articles"]["loaded_at_field"]
    assert "fetched_at" in sources["fetches"]["loaded_at_field"]


def test_dbt_runs_from_its_own_virtualenv_with_the_same_duckdb():
    """dbt is out of the main venv, and its duckdb writes files the loader and GX can read
    (a DuckDB 2.0 file is unreadable by 1.x, so the two venvs must pin one version)."""
    dbt = Path(transform.dbt_executable())
    assert dbt == transform.DBT_VENV / "bin" / "dbt"
    assert importlib.util.find_spec("dbt") is None  # nothing in the main venv imports dbt
    theirs = subprocess.run([str(dbt.with_name("python")), "-c",
                             "import duckdb; print(duckdb.__version__)"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert theirs == duckdb.__version__


def test_dbt_executable_is_configurable_and_missing_venv_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWS_DBT_EXECUTABLE", "/opt/dbt/bin/dbt")
    assert transform.dbt_executable() == "/opt/dbt/bin/dbt"
    monkeypatch.delenv("NEWS_DBT_EXECUTABLE")
    monkeypatch.setattr(transform, "DBT_VENV", tmp_path / "no-venv")
    with pytest.raises(DbtError, match="make setup"):
        run_dbt(["build"], tmp_path / "work.duckdb", target_dir=tmp_path / "t")
