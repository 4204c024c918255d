insert into event_objects (source_key, first_line, last_line)
values (%(source_key)s, %(first_line)s, %(last_line)s);
