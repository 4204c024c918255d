-- A rerun of an hour replaces what its checkpoint recorded for it (whichever run wrote it).
delete from validation_results
where checkpoint = %(checkpoint)s
    and batch_hour = %(batch_hour)s;
