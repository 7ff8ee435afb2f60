"""Label-free sections of the report page: summary, data quality, motifs, group comparisons."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

import numpy as np

from bams.report.quality import DataQuality
from bams.utils.timing import format_duration

__all__ = ["comparison_html", "motifs_html", "quality_html", "summary_html"]

MAX_TABLE_ROWS = 40


def summary_html(context) -> str:
    """The plain-language summary at the top: data, training, latents, discoveries."""
    model, data, quality = context.model, context.data, context.quality
    fields = ", ".join(
        f"{name.replace('_', '-')} {rf:,} frames ({rf / data.frame_rate:.3g} s)"
        for name, rf in model.receptive_fields_.items()
    )
    history = model.history_
    epochs = len(history.get("epoch", []))
    steps = model.get_config().train.max_steps
    total = history.get("total", [])
    loss = f"; the loss fell from {total[0]:.3g} to {total[-1]:.3g}" if len(total) > 1 else ""
    groups = "" if data.groups is None else f" from {len(set(data.groups)):,} groups"
    items = [
        f"<b>Data.</b> {len(data):,} recordings{groups}, "
        f"{format_duration(data.total_frames / data.frame_rate)} in all at "
        f"{data.frame_rate:g} frames/s, {data.n_features} features ({len(data.actions)} actions)"
        f"; {quality.masked_overall:.1%} of frames are masked (a feature missing)"
        + _short_note(quality)
        + ".",
        f"<b>Training.</b> {epochs} epochs{f' ({steps:,} steps)' if steps else ''}{loss}. "
        f"Receptive fields: {escape(fields)}.",
    ]
    items.append(_latents_sentence(context.shares))
    if context.motifs is not None:
        items.append(_motifs_sentence(context.motifs))
    items += [_comparison_sentence(s) for s in context.comparisons]
    if context.rows:
        items.append(
            f"<b>Readouts.</b> {len({r['task'] for r in context.rows})} labels read out of "
            f"{len({r['method'] for r in context.rows})} representations (tables below)."
        )
    items += [f"<b>Left out.</b> {escape(note)}" for note in context.notes]
    return "<ul class='summary'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _short_note(quality: DataQuality) -> str:
    short = quality.short
    if not short:
        return ""
    field = f"the long-term receptive field ({quality.long_term_field:,} frames)"
    if len(short) == len(quality.ids):
        return (
            f"; every recording is shorter than {field}, so no long-term embedding sees a full one"
        )
    names = ", ".join(escape(s) for s in short[:5]) + (", …" if len(short) > 5 else "")
    return (
        f"; {len(short)} recording(s) are shorter than {field}, so their long-term embedding "
        f"never sees a full field ({names})"
    )


def _latents_sentence(shares: Mapping[str, float]) -> str:
    parts = [f"{escape(name)} {share:.0%}" for name, share in shares.items()]
    text = (
        "<b>What the latents show.</b> Share of each latent's variance that lies between "
        f"recordings: {', '.join(parts)}. A latent of slow factors (the animal, its condition) "
        "is nearly constant within a recording (share near 100%); one of momentary behavior "
        "varies within it (share near 0%)."
    )
    short, long = shares.get("short_term", np.nan), shares.get("long_term", np.nan)
    if np.isfinite(short) and np.isfinite(long) and long <= short:
        text += (
            " Here the long-term latent varies within recordings as much as the short-term "
            "one: longer training, or recordings long enough for its receptive field, may be "
            "needed."
        )
    return text


def _motifs_sentence(motifs) -> str:
    usage = np.bincount(np.concatenate(motifs.labels), minlength=motifs.n_motifs)
    bouts = motifs.bouts()["duration_s"]
    how = "given" if len(motifs.criterion) <= 1 else "chosen by BIC"
    if len(motifs.criterion) > 1 and motifs.n_motifs == max(motifs.criterion):
        how += ", the largest number tried: more may fit better (bams motifs --max-k)"
    return (
        f"<b>Motifs.</b> {motifs.n_motifs} motifs ({how}) in the {escape(motifs.latent)} latent, "
        f"{len(bouts):,} bouts, median bout {np.median(bouts):.2f} s; the most used motif "
        f"covers {usage.max() / usage.sum():.0%} of frames."
    )


def _comparison_sentence(saved) -> str:
    c = saved.comparison
    verdict = "differ" if min(c.accuracy_p, c.distance_p) < 0.05 else "do not differ detectably"
    text = (
        f"<b>Groups by {escape(saved.by)}</b> ({escape(' vs '.join(c.groups))}, "
        f"{c.n_recordings} recordings, {c.n_units} units): they {verdict} in the "
        f"{escape(c.latent)} latent: balanced accuracy {c.accuracy:.2f} (chance "
        f"{c.chance:.2f}, p = {c.accuracy_p:.3g}), distance pseudo-F {c.distance:.2f} "
        f"(p = {c.distance_p:.3g})"
    )
    if c.motifs is not None:
        differ = c.differing_motifs()
        text += f"; {len(differ)} of {len(c.motifs)} motifs differ in usage (q < 0.05)"
    return text + "."


def quality_html(quality: DataQuality) -> str:
    """What is missing: overall, per group, per recording (those with gaps), short recordings."""
    what = "keypoint" if quality.keypoints else "feature"
    short = quality.short
    short_text = (
        f"<p>{len(short):,} of {len(quality.ids):,} recordings are shorter than the long-term "
        f"receptive field ({quality.long_term_field:,} frames, "
        f"{quality.long_term_field / quality.frame_rate:.3g} s): their long-term embedding never "
        "sees a full field.</p>"
        if short
        else ""
    )
    if quality.masked_overall == 0:
        return f"<p>No {what} is missing in any frame.</p>{short_text}"
    worst = np.argsort(-quality.missing.mean(axis=0))[:3]
    columns = ", ".join(
        f"{escape(quality.columns[i])} {quality.missing[:, i].mean():.1%}" for i in worst
    )
    intro = (
        f"<p>{quality.masked_overall:.1%} of all frames are masked (any feature missing: the "
        "network sees them as missing and never predicts from or for them). Most often "
        f"missing {what}s (mean over recordings): {columns}.</p>{short_text}"
    )
    by_group = quality.group_masked()
    if by_group and len(by_group) < len(quality.ids):
        worst_groups = sorted(by_group.items(), key=lambda kv: -kv[1])[:5]
        intro += "<p>Masked frames per group (most first): " + ", ".join(
            f"{escape(g)} {v:.1%}" for g, v in worst_groups
        ) + ".</p>"  # fmt: skip
    gaps = [i for i in np.argsort(-quality.masked, kind="stable") if quality.masked[i] > 0]
    order = gaps[:MAX_TABLE_ROWS]
    rows = "".join(
        f"<tr><th>{escape(quality.ids[i])}</th><td>{quality.lengths[i]:,}</td>"
        f"<td>{quality.lengths[i] / quality.frame_rate:.1f}</td><td>{quality.masked[i]:.1%}</td>"
        f"<td>{escape(quality.columns[int(np.argmax(quality.missing[i]))])} "
        f"{quality.missing[i].max():.1%}</td></tr>"
        for i in order
    )
    more = len(gaps) - len(order)
    note = f"<p class='caption'>… and {more} more recordings with gaps.</p>" if more > 0 else ""
    return (
        f"{intro}<table class='plain'><thead><tr><th>recording (most masked first)</th>"
        f"<th>frames</th><th>seconds</th><th>masked</th><th>most missing {what}</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>{note}"
    )


def motifs_html(motifs, data, figure, movies: Mapping[int, Path]) -> str:
    """The motifs section: usage, durations, transitions, ethogram, features and movies."""
    durations = motifs.durations()
    features = motifs.features(data, top=3)
    tops = {
        k: ", ".join(
            f"{escape(r.feature)} ({r.mean_z:+.1f} SD)"
            for r in features[features["motif"] == k].itertuples()
        )
        for k in range(motifs.n_motifs)
    }
    usage = np.bincount(np.concatenate(motifs.labels), minlength=motifs.n_motifs)
    rows = "".join(
        f"<tr><th>{r.motif}</th><td>{usage[r.motif] / usage.sum():.1%}</td><td>{r.n_bouts:,}</td>"
        f"<td>{r.median_s:.2f}</td><td>{r.mean_s:.2f}</td><td>{tops.get(r.motif, '')}</td></tr>"
        for r in durations.itertuples()
    )
    how = (
        f"K = {motifs.n_motifs} given"
        if len(motifs.criterion) <= 1
        else f"K = {motifs.n_motifs} of smallest BIC among {min(motifs.criterion)}.."
        f"{max(motifs.criterion)}"
    )
    smoothed = "smoothed by a sticky HMM" if motifs.smoothed else "not smoothed"
    text = (
        f"<p>Gaussian mixture on the standardized {escape(motifs.latent)} latent ({how}), "
        f"labels {smoothed}; motif 0 is the most used. Files: <code>labels.csv</code>, "
        "<code>usage.csv</code>, <code>durations.csv</code>, <code>transitions.csv</code>, "
        "<code>features.csv</code> in the run's <code>motifs/</code> folder.</p>"
        "<table class='plain'><thead><tr><th>motif</th><th>frames</th><th>bouts</th>"
        "<th>median bout (s)</th><th>mean bout (s)</th><th>most distinctive input features "
        f"(mean z-score)</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    shown = ("motif_usage", "motif_durations", "motif_transitions", "motif_ethogram")
    figures = "".join(figure(k) for k in shown)
    return text + figures + _movies_html(movies)


def _movies_html(movies: Mapping[int, Path]) -> str:
    if not movies:
        return (
            "<p class='caption'>No example movies: they are drawn from pose keypoints "
            "(features named <code>&lt;keypoint&gt;_forward</code>, "
            "<code>&lt;keypoint&gt;_left</code>, from <code>bams poses</code>).</p>"
        )
    cells = "".join(
        f"<figure class='movie'><img src='data:image/gif;base64,"
        f"{base64.b64encode(path.read_bytes()).decode('ascii')}' alt='motif {k}'>"
        f"<figcaption>motif {k} <span class='file'>({escape(path.name)})</span></figcaption>"
        "</figure>"
        for k, path in sorted(movies.items())
    )
    return (
        "<h3>Example snippets</h3><p class='caption'>Each cell replays one bout from half a "
        "second before its onset, keypoints in the body frame of the snippet's first frame "
        f"(facing right); the marker shows the frames inside the bout.</p><div class='movies'>"
        f"{cells}</div>"
    )


def comparison_html(saved, figure) -> str:
    """One comparison: its tests, the motif-usage table, and its figure."""
    c = saved.comparison
    tests = (
        "<table class='plain'><thead><tr><th>test</th><th>statistic</th><th>value</th>"
        "<th>chance</th><th>p-value</th></tr></thead><tbody>"
        f"<tr><th>classification</th><td>balanced accuracy (logistic regression, "
        f"{c.n_splits} folds)</td><td>{c.accuracy:.3f}</td><td>{c.chance:.3f}</td>"
        f"<td>{c.accuracy_p:.3g}</td></tr><tr><th>distance</th><td>PERMANOVA pseudo-F</td>"
        f"<td>{c.distance:.3f}</td><td></td><td>{c.distance_p:.3g}</td></tr></tbody></table>"
    )
    text = (
        f"<p>Groups {escape(' vs '.join(c.groups))}: {c.n_recordings} recordings of "
        f"{c.n_units} units, each recording summarized by its mean {escape(c.latent)} "
        f"embedding; p-values from {c.n_permutations:,} permutations ({escape(c.scheme)}).</p>"
    )
    return text + tests + _motif_table_html(c.motifs, c.groups) + figure


def _motif_table_html(table, groups: Sequence[str]) -> str:
    if table is None or table.empty:
        return ""
    means = [f"mean_{g}" for g in groups]
    head = "".join(f"<th>usage {escape(g)}</th>" for g in groups)
    two = len(groups) == 2
    head += "<th>difference</th><th>Cohen's d</th>" if two else ""
    rows = ""
    for r in table.to_dict("records"):
        cells = "".join(f"<td>{r[m]:.1%}</td>" for m in means)
        if two:
            cells += f"<td>{r['difference']:+.1%}</td><td>{r['cohen_d']:+.2f}</td>"
        strong = " class='best'" if r["q_value"] < 0.05 else ""
        rows += (
            f"<tr><th>{int(r['motif'])}</th>{cells}<td>{r['p_value']:.3g}</td>"
            f"<td{strong}>{r['q_value']:.3g}</td></tr>"
        )
    return (
        "<h3>Motif usage by group</h3><table class='plain'><thead><tr><th>motif</th>"
        f"{head}<th>p-value</th><th>q-value (BH)</th></tr></thead><tbody>{rows}</tbody></table>"
    )
