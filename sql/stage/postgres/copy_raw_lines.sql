copy raw_lines (line) from stdin
