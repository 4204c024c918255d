-- One row per song object read from S3 this run.
create temp table raw_songs (
    source_key text,
    source_etag text,
    body text
) on commit drop;
