"""Readers and writers of external file formats."""
