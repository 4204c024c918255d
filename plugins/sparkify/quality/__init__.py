"""Data quality with Great Expectations: the file context in gx/ and the gates."""
