-- The claim of a record of the temp table event_lines, shared by the placement
-- (sql/stage/place_events.sql) and the balance (sql/stage/record_events_balance.sql).
{#- A record's claim: this run's 'hour', an 'other' hour of its object's day, or 'none'
    (no readable ts, or a ts outside the day). #}
{% macro claim() -%}
    case
        when ts is null or ts < %(day_start)s or ts >= %(day_end)s then 'none'
        when ts >= %(data_interval_start)s and ts < %(data_interval_end)s then 'hour'
        else 'other'
    end
{%- endmacro %}
