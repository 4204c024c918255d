copy raw_lines (line_no, line) from stdin
