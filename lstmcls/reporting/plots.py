"""PNG plots a person reads at a glance: learning curves, confusion matrix, ROC and precision-recall curves,
reliability diagram, runs compared (matplotlib, headless)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: no display needed, same output everywhere

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from sklearn import metrics as skm  # noqa: E402

from lstmcls.reporting.calibration import reliability  # noqa: E402
from lstmcls.reporting.scores import best_epoch  # noqa: E402


def learning_curves(history_csv: Path, out: Path, title: str, monitor: str = "val_accuracy") -> Path:
    """Loss and accuracy per epoch, train vs validation, side by side; the epoch kept (best `monitor`) is marked."""
    with open(history_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    epochs = [int(row["epoch"]) + 1 for row in rows]
    values = [float(row[monitor]) for row in rows]
    kept = epochs[best_epoch(values, monitor) - 1]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for axis, metric, label in ((axes[0], "loss", "loss"), (axes[1], "accuracy", "accuracy")):
        for prefix, name, style in (("", "train", "o-"), ("val_", "validation", "s-")):
            if f"{prefix}{metric}" in rows[0]:
                axis.plot(epochs, [float(row[f"{prefix}{metric}"]) for row in rows], style, label=name)
        axis.axvline(kept, color="grey", linestyle=":", label=f"epoch kept (best {monitor})")
        axis.set(xlabel="epoch", ylabel=label, title=label.capitalize())
        axis.set_xticks(epochs)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title)
    return _save(figure, out)


def confusion_matrix(matrix: list[list[int]], names: list[str], out: Path, title: str) -> Path:
    """Counts with row-normalised shading, so a minority class's errors stand out as much as a majority's."""
    counts = np.asarray(matrix)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 1.0 + 0.6 * len(names))
    figure, axis = plt.subplots(figsize=(size + 1, size), constrained_layout=True)
    image = axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, column), count in np.ndenumerate(counts):
        colour = "white" if shares[row, column] > 0.5 else "black"
        axis.text(column, row, f"{count:,}\n{shares[row, column]:.1%}", ha="center", va="center", color=colour)
    axis.set_xticks(range(len(names)), names, rotation=45 if len(names) > 4 else 0)
    axis.set_yticks(range(len(names)), names)
    axis.set(xlabel="predicted class", ylabel="true class", title=title)
    figure.colorbar(image, ax=axis, label="share of the true class")
    return _save(figure, out)


def roc_curve(labels: np.ndarray, positive_probability: np.ndarray, positive: str, out: Path, title: str) -> Path:
    """ROC curve for two classes, with its AUC and the chance diagonal."""
    false_positive, true_positive, _ = skm.roc_curve(labels, positive_probability)
    auc = skm.auc(false_positive, true_positive)
    figure, axis = plt.subplots(figsize=(5, 5), constrained_layout=True)
    axis.plot(false_positive, true_positive, label=f"model (AUC = {auc:.3f})")
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance (AUC = 0.5)")
    axis.set(
        xlabel=f"false positive rate (other texts called {positive!r})",
        ylabel=f"true positive rate ({positive!r} texts found)",
        title=title,
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    return _save(figure, out)


def precision_recall(
    labels: np.ndarray, probabilities: np.ndarray, names: list[str], out: Path, title: str, chosen: Any = None
) -> Path:
    """Precision against recall: of the second class for two classes (its share of the texts is the chance
    level), of each class against the rest for more; `chosen` marks the operating point the decision picked."""
    positives = [1] if len(names) == 2 else range(len(names))
    figure, axis = plt.subplots(figsize=(5, 5), constrained_layout=True)
    for index in positives:
        truth = labels == index
        if truth.any():
            precision, recall, _ = skm.precision_recall_curve(truth, probabilities[:, index])
            area = skm.average_precision_score(truth, probabilities[:, index])
            axis.plot(recall, precision, label=f"{names[index]!r} (PR-AUC = {area:.3f})", drawstyle="steps-post")
    if len(names) == 2:
        axis.axhline(float(np.mean(labels == 1)), linestyle="--", color="grey", label="chance")
    if chosen is not None:
        axis.plot(chosen["recall"], chosen["precision"], "o", color="black", label="decision")
    axis.set(xlabel="recall", ylabel="precision", title=title, xlim=(0, 1), ylim=(0, 1.01))
    axis.grid(alpha=0.3)
    axis.legend(loc="lower left", fontsize="small")
    return _save(figure, out)


def reliability_diagram(labels: np.ndarray, series: dict[str, np.ndarray], out: Path, title: str) -> Path:
    """Accuracy against confidence per confidence bin for each named set of probabilities (the diagonal is a
    calibrated model; below it, over-confidence), with the texts per bin underneath."""
    figure, (axis, counts) = plt.subplots(
        2, 1, figsize=(5, 6), sharex=True, constrained_layout=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="calibrated")
    for name, probabilities in series.items():
        table = reliability(labels, probabilities)
        axis.plot(table["confidence"], table["accuracy"], "o-", label=name)
        counts.plot(table["confidence"], table["count"], "o-")
    axis.set(ylabel="accuracy of the most probable class", title=title, ylim=(0, 1.01))
    counts.set(xlabel="confidence (probability of the most probable class)", ylabel="texts", xlim=(0, 1.01))
    for each in (axis, counts):
        each.grid(alpha=0.3)
    axis.legend(loc="upper left", fontsize="small")
    return _save(figure, out)


def score_plots(
    result: dict[str, Any],
    labels: np.ndarray,
    probabilities: np.ndarray,
    names: list[str],
    split: str,
    outs: tuple[Path, ...],
    uncalibrated: np.ndarray | None = None,
    draw: bool = True,
) -> None:
    """A split's plots, to the paths of `Run.score_plots`: its confusion matrix (`outs[0]`), for two classes its
    ROC curve (`outs[1]`) and the points of its ROC and precision-recall curves (`outs[2]`, JSON, which
    `lstmcls compare` overlays), its precision-recall curves (`outs[3]`) and its reliability diagram (`outs[4]`,
    with the probabilities before temperature scaling when `uncalibrated` is given). Without `draw` (a run's
    `run.plots: false`), only the curves' points."""
    if "roc_auc" in result:
        outs[2].parent.mkdir(parents=True, exist_ok=True)
        outs[2].write_text(json.dumps(curve_points(labels, probabilities[:, 1])), encoding="utf-8")
    if not draw:
        return
    title = f"Confusion matrix, {split} ({len(labels):,} texts, accuracy {result['accuracy']:.3f})"
    confusion_matrix(result["confusion_matrix"], names, outs[0], title)
    if "roc_auc" in result:
        roc_curve(labels, probabilities[:, 1], names[1], outs[1], f"ROC curve, {split}")
    chosen = result["per_class"][names[1]] if len(names) == 2 else None
    precision_recall(labels, probabilities, names, outs[3], f"Precision-recall curve, {split}", chosen)
    series = (
        {"model": probabilities}
        if uncalibrated is None
        else {"uncalibrated": uncalibrated, "temperature-scaled": probabilities}
    )
    reliability_diagram(labels, series, outs[4], f"Reliability, {split} (ECE {result['ece']:.3f})")


def curve_points(labels: np.ndarray, positive_probability: np.ndarray, most: int = 500) -> dict[str, Any]:
    """The ROC and precision-recall curves of a two-class split, each thinned to at most `most` points."""
    false_positive, true_positive, _ = skm.roc_curve(labels, positive_probability)
    precision, recall, _ = skm.precision_recall_curve(labels, positive_probability)

    def thin(*series: np.ndarray) -> list[list[float]]:
        keep = np.unique(np.linspace(0, len(series[0]) - 1, min(most, len(series[0]))).astype(int))
        return [np.round(values[keep], 5).tolist() for values in series]

    return {
        "roc": dict(zip(("fpr", "tpr"), thin(false_positive, true_positive))),
        "pr": dict(zip(("recall", "precision"), thin(recall, precision))),
    }


def comparison(
    histories: dict[str, list[dict[str, str]]],
    out: Path,
    curves: dict[str, dict[str, Any]] | None = None,
    split: str = "test",
) -> Path:
    """Several runs' learning curves overlaid (one colour per run: train dashed, validation solid), and their ROC
    and precision-recall curves on `split` when `curves` holds every run's points (`curve_points`)."""
    rows = 2 if curves else 1
    figure, axes = plt.subplots(rows, 2, figsize=(11, 4.2 * rows), constrained_layout=True, squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, (name, history) in enumerate(histories.items()):
        colour = colours[index % len(colours)]
        epochs = [int(row["epoch"]) + 1 for row in history]
        for axis, metric in zip(axes[0], ("loss", "accuracy")):
            for prefix, style, split_name in (("", "--", "train"), ("val_", "-", "validation")):
                if history and f"{prefix}{metric}" in history[0]:
                    values = [float(row[f"{prefix}{metric}"]) for row in history]
                    axis.plot(epochs, values, style, color=colour, marker="o", label=f"{name} ({split_name})")
            axis.set(xlabel="epoch", ylabel=metric, title=f"{metric.capitalize()} per epoch")
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        if curves:
            roc, pr = curves[name]["roc"], curves[name]["pr"]
            axes[1][0].plot(roc["fpr"], roc["tpr"], color=colour, label=name)
            axes[1][1].plot(pr["recall"], pr["precision"], color=colour, label=name)
    if curves:
        axes[1][0].plot([0, 1], [0, 1], linestyle=":", color="grey", label="chance")
        axes[1][0].set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC curve, {split}")
        axes[1][1].set(xlabel="recall", ylabel="precision", title=f"Precision-recall curve, {split}")
    for axis in axes.flat:
        axis.grid(alpha=0.3)
        axis.legend(fontsize="small")
    return _save(figure, out)


def optuna_plot(plot_function, study, out: Path) -> Path:
    """Save one of `optuna.visualization.matplotlib`'s plots (they return the Axes they drew on)."""
    axes = plot_function(study)
    figure = axes.figure if hasattr(axes, "figure") else axes.flat[0].figure
    figure.set_size_inches(8, 5)
    figure.tight_layout()
    return _save(figure, out)


def _save(figure: plt.Figure, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=100)
    plt.close(figure)
    return out
