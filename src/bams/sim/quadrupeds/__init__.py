"""Simulated quadrupeds walking over procedurally generated terrain (MuJoCo, CPU).

- :mod:`~bams.sim.quadrupeds.dataset`: ``generate_quadrupeds``, a resumable, parallel,
  deterministic dataset of successful trajectories (``bams simulate quadrupeds``);
- :mod:`~bams.sim.quadrupeds.render`: ``render_trajectory``, one trajectory as a GIF;
- :mod:`~bams.sim.quadrupeds.episode`: one trajectory; :mod:`~bams.sim.quadrupeds.terrain`,
  :mod:`~bams.sim.quadrupeds.robots`, :mod:`~bams.sim.quadrupeds.controller`,
  :mod:`~bams.sim.quadrupeds.kinematics`: its parts.

Nothing is imported here, so importing the package needs no MuJoCo.
"""
