"""Bulk ingest: one adapter per source format, a format detector, a runner and a set-based bulk writer."""
