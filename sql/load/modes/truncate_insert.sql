-- delete, not truncate: Redshift's TRUNCATE commits at once, leaving the table empty
-- to readers until the insert lands.
delete from {{ target }};

insert into {{ target }} (
    {{ columns | join(',\n    ') }}
)
{{ select_sql }};
