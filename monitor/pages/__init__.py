"""What the pages of every app share: list pages, edit pages, history and review helpers."""
