-- Each validated hour and suite in [since, until): its worst outcome, how many of its
-- expectations failed, and its Data Docs page.
select
    batch_hour,
    suite,
    case
        when sum(case when not success and severity = 'critical' then 1 else 0 end) > 0 then 'critical'
        when sum(case when not success then 1 else 0 end) > 0 then 'warning'
        else 'passed'
    end as outcome,
    sum(case when success then 0 else 1 end) as failed,
    count(*) as expectations,
    max(data_docs_url) as data_docs_url
from validation_results
where batch_hour >= %(since)s
    and batch_hour < %(until)s
-- No order: the page places each cell by its hour and suite (sorting the window's
-- expectations first took half the query).
group by batch_hour, suite;
