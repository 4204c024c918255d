copy raw_songs (source_key, source_etag, body, defect) from stdin
