"""Readers and writers of external file formats."""

from bams.io.poses import load_poses

__all__ = ["load_poses"]
