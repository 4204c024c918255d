-- Whether any song object has been staged (1) or none yet (0).
select count(*)
from (select 1 from staging_song_objects limit 1) as any_object;
