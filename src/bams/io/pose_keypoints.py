"""The keypoints that orient each pose: the checks of ``origin`` and ``heading``, and defaults.

Used by :func:`bams.io.poses.load_poses` once the files are read, so that a wrong name is told
with the keypoints the files have.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

# Default heading keypoints, matched by name ignoring case and separators, in order of preference.
FRONT_NAMES = ("nose", "snout", "head")
BACK_NAMES = ("tailbase", "baseoftail", "tailroot", "tail")


def check_keypoint_choice(
    keypoints: list[str],
    origin: Sequence[str] | None,
    heading: Sequence[str] | None,
    file_name: str,
    problems: list[str],
) -> None:
    """Add to ``problems`` what is wrong with ``origin`` and ``heading`` for ``keypoints``.

    Parameters
    ----------
    keypoints
        The keypoints of the files, those of ``file_name`` first.
    origin
        Keypoints whose mean is the body centre, or None.
    heading
        ``(back, front)`` keypoints, or None.
    file_name
        The file whose keypoints the messages list.
    problems
        Where each problem found is added, as one ``"Expected ..., but got ..."`` sentence.
    """
    among = f"among the keypoints of {file_name} {keypoints}"
    if isinstance(origin, str):
        problems.append(f"Expected origin as a list of keypoint names, but got {origin!r}.")
        origin = [origin]
    elif origin is not None and len(origin) == 0:
        problems.append(f"Expected origin to name at least one keypoint {among}, but got [].")
    if heading is not None and (isinstance(heading, str) or len(heading) != 2):
        problems.append(
            f"Expected heading as (back, front) keypoints {among}, but got {heading!r}."
        )
        return
    if heading is not None and heading[0] == heading[1]:
        problems.append(
            f"Expected two different heading keypoints (back, front) of {file_name}, but got "
            f"{tuple(heading)}."
        )
    chosen = list(origin or []) + list(heading or [])
    unknown = sorted(set(chosen) - set(keypoints))
    if unknown:
        problems.append(
            f"Expected origin and heading keypoints {among}, but got unknown {unknown}."
        )


def default_heading(keypoints: list[str]) -> tuple[str, str]:
    """``(back, front)`` found by name, else the generic last -> first keypoint (warned).

    Parameters
    ----------
    keypoints
        The keypoint names.

    Returns
    -------
    tuple of str
        The back and front keypoints.

    Warns
    -----
    UserWarning
        If the names do not say which keypoints are a tail base and a nose.
    """
    normalized = {re.sub(r"[\s_\-]", "", k.lower()): k for k in keypoints}
    back = next((normalized[n] for n in BACK_NAMES if n in normalized), None)
    front = next((normalized[n] for n in FRONT_NAMES if n in normalized), None)
    if back is None or front is None or back == front:
        back, front = keypoints[-1], keypoints[0]
        warnings.warn(
            f"No keypoints named like a tail base and a nose among {keypoints}; the heading "
            f"points from {back!r} to {front!r} (last to first). Pass heading=(back, front) "
            "(--heading BACK,FRONT on the command line).",
            UserWarning,
            stacklevel=4,  # the caller of load_poses (-> _recordings -> default_heading)
        )
    return back, front
