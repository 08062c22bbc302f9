"""Pure checks: parsed URLs and observations in, findings out. No network, no files."""
