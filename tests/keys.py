"""Keys of the test suite (constants only: importable before Django is set up)."""

#: The evidence master key of the test suite (32 bytes); files are encrypted as in production.
TEST_EVIDENCE_KEY = bytes(range(32))
