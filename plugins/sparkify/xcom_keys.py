"""The XCom keys one task pushes and another task or callback reads: in one place, so
that neither side imports the other."""

# A gate's outcome: passed, warning or skipped (a blocked gate raises instead).
GATE_OUTCOME = "gate_outcome"
# The Data Docs page a gate links: the first suite that failed worst, else the first.
DATA_DOCS_URL = "data_docs_url"
# suite -> its validation's Data Docs page, for each suite a gate validated.
DATA_DOCS_PAGES = "data_docs_pages"
# A stage step's records read and quarantined, beside its rows staged (its return value).
STAGE_TALLY = "stage_tally"
