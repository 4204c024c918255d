-- One task's outcome in a run: a retry or rerun of the task replaces its row.
delete from run_steps
where run_id = %(run_id)s
    and step = %(step)s;

insert into run_steps (
    run_id,
    batch_hour,
    step,
    outcome,
    rows_affected,
    severity,
    seconds,
    data_docs_url,
    recorded_at
)
values (
    %(run_id)s,
    %(batch_hour)s,
    %(step)s,
    %(outcome)s,
    %(rows_affected)s,
    %(severity)s,
    %(seconds)s,
    %(data_docs_url)s,
    %(recorded_at)s
);
