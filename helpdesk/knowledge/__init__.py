"""Self-help articles (Markdown rendered to sanitised HTML), searchable without signing in."""
