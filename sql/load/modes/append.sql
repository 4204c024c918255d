-- Adds only rows whose key is new, so a rerun adds nothing.
insert into {{ target }} (
    {{ columns | join(',\n    ') }}
)
select
    {{ columns | join(',\n    ') }}
from ({{ select_sql }}) as incoming
where not exists (
    select 1
    from {{ target }} as existing
    where {% for key in key_columns %}existing.{{ key }} = incoming.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
);
