-- The run's hour of {{ target }} is replaced in one transaction.
delete from {{ target }}
where {{ partition_column }} >= %(data_interval_start)s
    and {{ partition_column }} < %(data_interval_end)s;

insert into {{ target }} (
    {{ columns | join(',\n    ') }}
)
{{ select_sql }};
