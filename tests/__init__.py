"""Cross-app tests, and the factories and personas every app's tests share."""
