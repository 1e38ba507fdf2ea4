"""Hostile input across the whole desk: fuzzing, the corpus, access matrix, headers, leaks."""
