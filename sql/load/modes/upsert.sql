-- One row per key with the latest values. With an order column, a stored row is
-- replaced only by an incoming row that is at least as recent, so loading hours out
-- of order never rolls a row back.
drop table if exists incoming_rows;

create temp table incoming_rows as
{{ select_sql }};

delete from {{ target }}
using incoming_rows
where {% for key in key_columns %}{{ target }}.{{ key }} = incoming_rows.{{ key }}{% if not loop.last %}
    and {% endif %}{% endfor %}
{%- if order_column %}
    and {{ target }}.{{ order_column }} <= incoming_rows.{{ order_column }}
{%- endif %};

insert into {{ target }} (
    {{ columns | join(',\n    ') }}
)
select
    {{ columns | join(',\n    ') }}
from incoming_rows
where not exists (
    select 1
    from {{ target }} as existing
    where {% for key in key_columns %}existing.{{ key }} = incoming_rows.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
);

drop table incoming_rows;
