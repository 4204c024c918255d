"""The Redshift path, short of a Redshift server: the SQL rendered for a Redshift
connection is checked by sqlglot's Redshift grammar and against what the COPY
documentation requires (IAM role, JSONPaths, region, epoch-millisecond times)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from sparkify import sql_files
from sparkify.warehouse import for_connection
from sparkify.warehouse.redshift import RedshiftWarehouse, UnsafeLiteralError, song_objects_csv
from sparkify.warehouse.schema import STAR_TABLES

GX_EXPECTATIONS = Path(__file__).resolve().parents[3] / "gx" / "expectations"
ROLE = "arn:aws:iam::123456789012:role/sparkify-redshift-copy"


@pytest.fixture
def redshift(monkeypatch) -> RedshiftWarehouse:
    monkeypatch.setenv(
        "AIRFLOW_CONN_REDSHIFT_TEST",
        json.dumps({"conn_type": "redshift", "host": "example.redshift.amazonaws.com", "port": 5439, "schema": "dev"}),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_REDSHIFT_TEST",
        json.dumps({"conn_type": "aws", "extra": {"role_arn": ROLE, "region_name": "us-west-2"}}),
    )
    backend = for_connection("redshift_test", aws_conn_id="aws_redshift_test")
    assert isinstance(backend, RedshiftWarehouse)
    return backend


def parse_redshift(sql: str) -> list[exp.Expression]:
    statements = sqlglot.parse(sql, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)
    assert statements and all(s is not None for s in statements)
    return statements


def normalized(sql: str) -> str:
    return " ".join(sql.split()).lower()


def test_backend_follows_the_connection_type(redshift):
    from sparkify.warehouse.postgres import PostgresWarehouse

    assert isinstance(for_connection("sparkify_warehouse"), PostgresWarehouse)


def test_events_copy_uses_role_jsonpaths_region_and_epoch_millis(redshift):
    sql = redshift.render_copy_events("udacity-dend", "manifests/events/2018-11-15T14.manifest", "log_json_path.json")

    [copy] = parse_redshift(sql)
    assert isinstance(copy, exp.Copy)
    text = normalized(sql)
    assert "copy event_lines ( artist, auth," in text
    assert "from 's3://udacity-dend/manifests/events/2018-11-15t14.manifest'" in text
    assert " manifest " in text
    # Bad records go to stl_load_errors (then quarantine) instead of failing the load.
    assert "maxerror 100000" in text
    assert f"iam_role '{ROLE.lower()}'" in text
    assert "format as json 's3://udacity-dend/log_json_path.json'" in text
    assert "timeformat 'epochmillisecs'" in text
    assert "region 'us-west-2'" in text
    assert "access_key_id" not in text and "secret_access_key" not in text and "credentials" not in text


def test_songs_copy_reads_a_manifest_with_json_auto(redshift):
    sql = redshift.render_copy_songs("udacity-dend", "manifests/songs/2018-11-15T14.manifest")

    [copy] = parse_redshift(sql)
    assert isinstance(copy, exp.Copy)
    text = normalized(sql)
    assert "from 's3://udacity-dend/manifests/songs/2018-11-15t14.manifest'" in text
    assert "format as json 'auto'" in text
    assert " manifest " in text


def test_song_manifest_lists_exactly_the_new_objects_as_mandatory(redshift):
    keys = {"song_data/A/A/A/TRAAAAW128F429D538.json": '"e1"', "song_data/A/B/C/TRABCXX.json": '"e2"'}

    manifest = json.loads(redshift.manifest("udacity-dend", keys))

    assert manifest == {
        "entries": [
            {"url": "s3://udacity-dend/song_data/A/A/A/TRAAAAW128F429D538.json", "mandatory": True},
            {"url": "s3://udacity-dend/song_data/A/B/C/TRABCXX.json", "mandatory": True},
        ]
    }
    assert song_objects_csv(keys).splitlines()[0] == 'song_data/A/A/A/TRAAAAW128F429D538.json,"""e1"""'


def test_copy_refuses_a_key_that_would_break_out_of_the_literal(redshift):
    with pytest.raises(UnsafeLiteralError):
        redshift.render_copy_events("udacity-dend", "log_data/x' iam_role 'arn:aws:iam::1:role/evil", "log_json_path.json")
    with pytest.raises(UnsafeLiteralError):
        redshift.render_copy_events("Not_A_Bucket!", "k.json", "log_json_path.json")


def test_copy_needs_a_role_in_the_aws_connection(redshift, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_AWS_REDSHIFT_TEST", json.dumps({"conn_type": "aws", "extra": {"region_name": "us-west-2"}}))

    with pytest.raises(UnsafeLiteralError, match="role_arn"):
        redshift.render_copy_events("udacity-dend", "k.json", "log_json_path.json")


def test_create_tables_renders_redshift_types_and_keys(redshift):
    sql = sql_files.render("ddl/create_tables.sql", **redshift.ddl_placeholders())

    statements = parse_redshift(sql)
    # 3 staging, quarantine, stage_reconciliation, 5 star tables, their 5 audit tables, the daily
    # summary, run_steps, validation_results, alert_state, and the run_history view dropped and created
    assert len(statements) == 21
    text = normalized(sql)
    assert "sortkey (start_time)" in text and "distkey (song_id)" in text
    assert " text" not in text.replace("long_text", ""), "Redshift text is varchar(256); long columns need varchar(65535)"


@pytest.mark.parametrize(
    "sql_file",
    [
        "stage/place_events.sql",
        "stage/record_events_balance.sql",
        "stage/clear_events_hour.sql",
        "stage/select_events_reconciliation.sql",
        "stage/merge_staging_songs.sql",
        "stage/redshift/create_event_lines.sql",
        "stage/redshift/complete_event_lines.sql",
        "stage/redshift/create_new_songs.sql",
        "stage/redshift/insert_rejected_songs.sql",
        "stage/redshift/lock_song_objects.sql",
        "stage/count_any_song_object.sql",
        "quality/worst_quarantined_record.sql",
    ],
)
def test_redshift_stage_sql_parses(sql_file):
    parse_redshift(sql_files.render(sql_file).replace("%(", "(").replace(")s", ")"))


def bind_hour(sql: str) -> str:
    return sql.replace("%(data_interval_start)s", "'2018-11-15 14:00:00'").replace(
        "%(data_interval_end)s", "'2018-11-15 15:00:00'"
    )


@pytest.mark.parametrize(
    "sql_file",
    [
        *(f"build/{table}.sql" for table in STAR_TABLES),
        "publish/count_hour_plays.sql",
        "publish/publish_hour.sql",
        "downstream/refresh_daily_plays_by_level.sql",
        "history/record_step.sql",
        "quality/delete_validation_results.sql",
        "quality/insert_validation_result.sql",
        "quality/select_alert_candidates.sql",
        "quality/open_alert.sql",
        "quality/extend_alert.sql",
        "quality/close_alert.sql",
        "quality/select_hour_grid.sql",
        "quality/select_worst_expectations.sql",
        "quality/select_hourly_volume.sql",
        "quality/select_validated_span.sql",
    ],
)
def test_build_publish_and_bookkeeping_sql_parses_as_redshift(sql_file):
    sql = sql_files.read(sql_file)

    statements = parse_redshift(bind_hour(sql))

    assert not any(isinstance(s, exp.Command) for s in statements), "a statement fell back to an unparsed command"
    assert "on conflict" not in normalized(sql), "Redshift has no ON CONFLICT"
    assert "is distinct from" not in normalized(sql), "Redshift has no IS DISTINCT FROM"


def test_publish_lock_uses_redshifts_lock_syntax():
    # sqlglot keeps LOCK as an opaque command; Redshift's form is LOCK table [, ...] with no mode.
    statements = sql_files.statements(sql_files.read("publish/redshift/lock_published.sql"))

    assert statements == ["lock songplays, users, songs, artists, time"]
    assert sql_files.statements(sql_files.read("quality/redshift/lock_alert_state.sql")) == ["lock alert_state"]


def unexpected_rows_queries() -> list[tuple[str, str]]:
    queries = []
    for suite_file in sorted(GX_EXPECTATIONS.glob("*.json")):
        for expectation in json.loads(suite_file.read_text())["expectations"]:
            if expectation["type"] == "unexpected_rows_expectation":
                queries.append((suite_file.stem, expectation["kwargs"]["unexpected_rows_query"]))
    return queries


@pytest.mark.parametrize(("suite", "query"), unexpected_rows_queries())
def test_gx_sql_expectations_parse_as_redshift(suite, query):
    from great_expectations.expectations.metrics.query_metric_provider import _query_has_join_clause

    from sparkify.quality.expectations import row_condition

    # GX puts the batch's SELECT where {batch} stands, aliased "subselect" unless the query
    # joins (then the query names it itself).
    batch = "(select * from audit_table where batch_hour = '2018-11-15 14:00:00')"
    sql = query.replace("{batch}", batch if _query_has_join_clause(query) else f"{batch} as subselect")

    parse_redshift(sql)
    condition = row_condition(query)
    if condition is not None:
        # Counted in the table's bundled query instead (sparkify.quality.expectations).
        parse_redshift(f"select count(*), coalesce(sum(case when ({condition}) then 1 else 0 end), 0) from {batch} as subselect")

    assert "is distinct from" not in normalized(sql), "Redshift has no IS DISTINCT FROM"
