"""One writer per extract format; each turns a child's occurrences into that agency's rows."""
