-- ./sparkify bench: rows in the star tables before the hour's first round (the rounds
-- start from an empty warehouse; sql/bench/clear_published_hour.sql).
select
    (select count(*) from songplays)
    + (select count(*) from users)
    + (select count(*) from songs)
    + (select count(*) from artists)
    + (select count(*) from time) as published_rows;
