-- One row per song object read from S3 this run; defect is set by the reader for a
-- body that is not UTF-8 text (it arrives as its escaped form).
create temp table raw_songs (
    source_key text,
    source_etag text,
    body text,
    defect text
) on commit drop;
