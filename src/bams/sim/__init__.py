"""Generators of behavior data with known ground truth."""
