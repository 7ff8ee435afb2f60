"""Training: windows, the objective, the Fabric loop and checkpoints."""
