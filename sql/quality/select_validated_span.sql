-- The first and the last hour the gates validated.
select
    min(batch_hour) as first_hour,
    max(batch_hour) as last_hour
from validation_results;
