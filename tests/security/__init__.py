"""Account and transport security tests (issue 8): lockout, sessions, headers, access log."""
