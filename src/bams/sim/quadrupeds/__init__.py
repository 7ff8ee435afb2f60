"""Simulated quadrupeds (placeholder)."""
