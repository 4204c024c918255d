insert into line_defects (line_no, reason)
values (%(line_no)s, %(reason)s);
