"""The compliance checks: pure functions over a scan's artifacts (and e-mails), registered by rule id."""
