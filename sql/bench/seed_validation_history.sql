-- ./sparkify bench: a year of stored validation results before the bench's first hour,
-- copied from one validated hour (each copy under its own run, an hour further back).
insert into validation_results (
    run_id, batch_hour, checkpoint, suite, expectation_id, expectation_type, column_name, description,
    severity, success, observed_value, unexpected_count, min_value, max_value, data_docs_url, validated_at
)
select
    r.run_id || ' copied ' || back.hours,
    r.batch_hour - back.hours * interval '1 hour',
    r.checkpoint, r.suite, r.expectation_id, r.expectation_type, r.column_name, r.description,
    r.severity, r.success, r.observed_value, r.unexpected_count, r.min_value, r.max_value, r.data_docs_url, r.validated_at
from validation_results as r
cross join generate_series(%(first_hours_back)s, %(last_hours_back)s) as back (hours)
where r.batch_hour = %(source_hour)s;
