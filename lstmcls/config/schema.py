"""The config schema: every block and key, typed, with a default and a one-line description.

The key table in docs/config.md is generated from these descriptions (`python scripts/config_table.py`).
Names of cells, poolings, standardisers and strategies are checked against `lstmcls.components`, and data
source blocks come from `lstmcls.config.sources`: nothing here imports Keras or TensorFlow.
"""

from __future__ import annotations

import functools
import operator
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import ConfigDict, Field, field_validator, model_validator

from lstmcls.components import CELLS, POOLINGS, STANDARDIZERS, STRATEGIES, described, fusion_blockers
from lstmcls.config.pretraining import (  # noqa: F401 (OWN_VECTORS: where the other modules import it)
    OWN_VECTORS,
    PretrainConfig,
    language_model_rules,
    own_vectors_rules,
)
from lstmcls.config.section import AbsolutePath, Section
from lstmcls.config.sources import SOURCES, ImdbSource


def validation_metric(name: str) -> str:
    """A name the epoch logs can hold for validation (`val_...`); whether a run reports it is checked when its
    data is known (`lstmcls.training.objectives`)."""
    if not re.fullmatch(r"val_[a-z0-9_]+", name):
        raise ValueError("name a validation metric: val_loss, val_accuracy, val_macro_f1, val_roc_auc, val_pr_auc, ...")
    return name


MAX_NGRAM = 20  # the longest character n-gram a subword block may ask for


class VectorizerConfig(Section):
    max_tokens: int = Field(20000, ge=3, description="Vocabulary size, padding and [UNK] included.")
    max_length: int = Field(256, ge=1, description="Tokens kept per text; longer texts are cut.")
    keep: Literal["start", "end"] = Field(
        "end", description="Which part of a text longer than max_length is kept (reviews end with the verdict)."
    )
    standardize: str = Field(
        "reviews", description=f"Text clean-up before splitting on whitespace. {described(STANDARDIZERS)}."
    )

    @field_validator("standardize")
    @classmethod
    def _known_standardizer(cls, name: str) -> str:
        return STANDARDIZERS.check(name)


class SubwordConfig(Section):
    """Character n-grams of each word (fastText), hashed into buckets that share vectors (docs/architectures.md)."""

    ngrams: tuple[int, int] = Field(
        (3, 6),
        description="Shortest and longest character n-gram of a word, counted with its `<` `>` boundaries (fastText's "
        "3 to 6); the block is off by default, `subwords: {}` turns it on with these defaults.",
    )
    buckets: int = Field(
        20000, ge=1, le=10_000_000, description="Hash buckets the n-grams share (n-grams that collide share a vector)."
    )
    per_word: int = Field(
        32, ge=1, le=256, description="N-grams kept per word, the shortest first (a long word loses its longest ones)."
    )

    @field_validator("ngrams")
    @classmethod
    def _range(cls, ngrams: tuple[int, int]) -> tuple[int, int]:
        low, high = ngrams
        if not 1 <= low <= high <= MAX_NGRAM:
            raise ValueError(f"give [shortest, longest] with 1 <= shortest <= longest <= {MAX_NGRAM}, e.g. [3, 6]")
        return ngrams


class EmbeddingConfig(Section):
    dim: int = Field(64, ge=1, description="Size of each token's embedding vector.")
    pretrained: Literal["own"] | AbsolutePath | None = Field(
        None,
        description="Start from word vectors: a word2vec (text or binary), GloVe or fastText .vec file, "
        "a run made by `lstmcls pretrain`, or own: pretrain them on the training texts (and pretrain.unlabelled) "
        "first, reusing a pretrain run made from the same texts and settings.",
    )
    trainable: bool = Field(True, description="Fine-tune the embedding; false keeps it frozen for the whole training.")
    unfreeze_after: int | None = Field(
        None, ge=1, description="Keep the embedding frozen for this many epochs, then fine-tune it with the rest."
    )
    dropout: float = Field(
        0.0, ge=0.0, lt=1.0, description="Spatial dropout: drops whole embedding channels during training."
    )
    subwords: SubwordConfig | None = Field(
        None,
        description="Build each word's vector from its character n-grams too (fastText-style), so an unseen word "
        "gets a vector from the n-grams it shares with known ones; null: word vectors only.",
    )

    @model_validator(mode="after")
    def _freezing_needs_vectors(self) -> EmbeddingConfig:
        if self.unfreeze_after is not None and not self.trainable:
            raise ValueError("trainable: false freezes the embedding for good; drop unfreeze_after or set trainable")
        return self

    @property
    def frozen(self) -> bool:
        """Whether the embedding starts frozen (`trainable: false` or `unfreeze_after`)."""
        return self.unfreeze_after is not None or not self.trainable


Activation = Literal["tanh", "sigmoid", "hard_sigmoid", "relu", "elu", "selu", "gelu", "silu", "linear"]


class ModelConfig(Section):
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig, description="Token embedding.")
    cell: str = Field("lstm", description="Recurrent cell: lstm, gru, peephole_lstm or simple_rnn.")
    units: int = Field(64, ge=1, description="Units per recurrent layer (per direction).")
    layers: int = Field(1, ge=1, le=8, description="Stacked recurrent layers.")
    bidirectional: bool = Field(False, description="Read the text both ways.")
    merge_mode: Literal["concat", "sum", "mul", "ave"] = Field(
        "concat", description="How a bidirectional layer combines its two directions."
    )
    activation: Activation = Field("tanh", description="Cell activation (anything but tanh turns off cuDNN).")
    recurrent_activation: Activation = Field("sigmoid", description="Gate activation (lstm, gru, peephole_lstm).")
    dropout: float = Field(0.0, ge=0.0, lt=1.0, description="Dropout on each recurrent layer's output.")
    recurrent_dropout: float = Field(0.0, ge=0.0, lt=1.0, description="Dropout inside the recurrence.")
    pooling: str = Field("last", description="Sequence to vector: last, mean, max or attention.")
    attention_units: int = Field(64, ge=1, description="Hidden size of the attention scorer (pooling: attention).")
    head: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list, description="Sizes of hidden Dense (relu) layers before the output, e.g. [64]."
    )
    head_dropout: float = Field(0.0, ge=0.0, lt=1.0, description="Dropout after each hidden Dense layer.")
    pretrained: AbsolutePath | None = Field(
        None,
        description="Start the embedding and recurrent layers from a language model run of `lstmcls pretrain` "
        "(pretrain.method: language_model; runs/NAME: the newest named NAME), trained with this network's cell, "
        "units, layers, direction and embedding.dim.",
    )
    fuse_pooling: bool = Field(
        False,
        description="Run the last recurrent layer and its max/last pooling as one loop that XLA compiles well "
        "(same maths; use with train.jit_compile, see docs/speed.md).",
    )

    @field_validator("cell")
    @classmethod
    def _known_cell(cls, name: str) -> str:
        return CELLS.check(name)

    @field_validator("pooling")
    @classmethod
    def _known_pooling(cls, name: str) -> str:
        return POOLINGS.check(name)

    @model_validator(mode="after")
    def _freezing_needs_vectors(self) -> ModelConfig:
        if self.embedding.frozen and self.embedding.pretrained is None and self.pretrained is None:
            raise ValueError(
                "freezing a random embedding makes no sense; set embedding.pretrained (vectors) or pretrained "
                "(a language model)"
            )
        return self

    @model_validator(mode="after")
    def _fusable(self) -> ModelConfig:
        blockers = fusion_blockers(self) if self.fuse_pooling else []
        if blockers:
            raise ValueError(f"fuse_pooling: true needs {'; '.join(blockers)} (or set fuse_pooling: false)")
        return self


class TrainConfig(Section):
    epochs: int = Field(5, ge=1, description="Maximum passes over the training data.")
    batch_size: int = Field(64, ge=1, description="Examples per gradient step.")
    learning_rate: float = Field(1e-3, gt=0.0, le=1.0, description="Adam learning rate.")
    clipnorm: float | None = Field(1.0, gt=0.0, description="Gradient norm clipping; null turns it off.")
    monitor: str = Field(
        "val_accuracy",
        description="Validation metric that picks the best epoch (kept) and drives early stopping: any the run "
        "reports, e.g. val_loss, val_accuracy, val_macro_f1, and for two classes val_roc_auc, val_pr_auc.",
    )
    patience: int | None = Field(
        2, ge=1, description="Stop after this many epochs without a better monitor value; null trains all epochs."
    )
    steps_per_epoch: int | None = Field(None, ge=1, description="Cap on batches per epoch (quick smoke runs).")
    jit_compile: bool = Field(
        False,
        description="Compile the training step with XLA: faster for last-state models on CPU (see docs/speed.md).",
    )
    steps_per_execution: int = Field(
        1, ge=1, description="Batches per call into the compiled step (less Python overhead; default strategy only)."
    )
    seed: int = Field(42, ge=0, description="Seed for the validation split, shuffling and weights.")
    class_weight: Literal["balanced"] | dict[str, float] | None = Field(
        None,
        description="Weigh each class in the loss: balanced (n / (classes × its count), from train) or "
        "{label: weight}, unlisted labels 1 (see docs/decisions.md).",
    )

    baseline: bool | None = Field(
        None,
        description="Fit the linear baseline (TF-IDF word 1-2-grams + logistic regression, C chosen on validation) "
        "on the same split and report it beside the model in eval, show and runs; null: on, except for streamed "
        "data (not held in memory).",
    )

    @field_validator("monitor")
    @classmethod
    def _monitor_name(cls, name: str) -> str:
        return validation_metric(name)

    @field_validator("class_weight", mode="before")
    @classmethod
    def _weights(cls, value: Any) -> Any:
        """Labels as the data spells them (a YAML key 1 is the label "1"), each weight a number above 0."""
        if value is None or value == "balanced":
            return value
        if not isinstance(value, dict) or not value:
            raise ValueError("give balanced or a mapping {label: weight}, e.g. {spam: 5}")
        for label, weight in value.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
                raise ValueError(f"the weight of label {label!r} must be a number above 0, not {weight!r}")
        return {str(label): float(weight) for label, weight in value.items()}


class EvalConfig(Section):
    threshold: Literal["f1"] | dict[Literal["precision", "recall"], float] | None = Field(
        None,
        description="Chosen on validation: two classes, the threshold on the second class's probability; "
        "multi-label, one per label. f1 (best F1), {precision: x} or {recall: x} (a floor, the most of the other); "
        "null: 0.5 (argmax) for two classes, best F1 per label for multi-label.",
    )
    calibrate: bool = Field(
        False, description="Fit a temperature on validation (lowest log loss) that predict, eval and export apply."
    )

    @field_validator("threshold", mode="before")
    @classmethod
    def _goal(cls, value: Any) -> Any:
        hint = "give f1, {precision: x} or {recall: x} with 0 < x < 1"
        if value is None or value == "f1":
            return value
        if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("precision", "recall"):
            raise ValueError(hint)
        floor = next(iter(value.values()))
        if isinstance(floor, bool) or not isinstance(floor, int | float) or not 0 < floor < 1:
            raise ValueError(f"{hint}, not {floor!r}")
        return value


class RunConfig(Section):
    dir: Path = Field(Path("runs"), description="Directory that holds the run directories.")
    name: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.-]+$", description="Run name in the run id; defaults to the config file's stem."
    )
    plots: bool = Field(
        True,
        description="Draw the run's PNG plots (learning curves; per scored split a confusion matrix, ROC, "
        "precision-recall and reliability diagram); false saves a few seconds a run (sweeps, tests) and keeps the "
        "curves' points that `lstmcls compare` overlays.",
    )


class DistributeConfig(Section):
    strategy: str = Field(
        "default",
        description=f"{described(STRATEGIES)} (see docs/distributed.md).",
    )

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, name: str) -> str:
        return STRATEGIES.check(name)


class Distribution(Section):
    """One searched key: exactly one of `int: [low, high]`, `float: [low, high]` or `choice: [...]`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)
    int_range: tuple[int, int] | None = Field(None, alias="int", description="Integers from low to high.")
    float_range: tuple[float, float] | None = Field(None, alias="float", description="Reals from low to high.")
    choice: list[Any] | None = Field(None, min_length=1, description="One of these values.")
    log: bool = Field(False, description="Sample on a log scale (int and float; low must be > 0).")

    @model_validator(mode="after")
    def _one_kind(self) -> Distribution:
        given = [kind for kind in (self.int_range, self.float_range, self.choice) if kind is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of int: [low, high], float: [low, high] or choice: [...]")
        bounds = self.int_range or self.float_range
        if bounds is not None:
            if bounds[0] >= bounds[1]:
                raise ValueError(f"low {bounds[0]} must be below high {bounds[1]}")
            if self.log and bounds[0] <= 0:
                raise ValueError(f"a log range needs low > 0, got {bounds[0]}")
        elif self.log:
            raise ValueError("log applies to int and float ranges, not to choice")
        return self


class TuneConfig(Section):
    metric: str = Field(
        "val_accuracy",
        description="What a trial is scored on (validation only, never test): any validation metric the run "
        "reports, as train.monitor; losses are minimised.",
    )
    space: dict[str, Distribution] = Field(
        min_length=1, description="Dotted config key → distribution, e.g. model.units: {int: [32, 256], log: true}."
    )
    pruner: Literal["median", "none"] = Field("median", description="Stop trials doing worse than the median.")
    startup_trials: int = Field(2, ge=0, description="Trials that always run in full before pruning starts.")
    warmup_epochs: int = Field(1, ge=0, description="Epochs of each trial that are never pruned.")

    @field_validator("metric")
    @classmethod
    def _metric_name(cls, name: str) -> str:
        return validation_metric(name)


class MlflowConfig(Section):
    uri: str | None = Field(
        None,
        description="Tracking URI: http://host:5000, sqlite:///file.db, databricks; default: $MLFLOW_TRACKING_URI, "
        "else the local store sqlite:///mlruns/mlflow.db, artifacts in mlruns/ (see docs/tracking.md).",
    )
    experiment: str = Field("lstmcls", min_length=1, description="MLflow experiment the run is logged in.")


class TrackConfig(Section):
    mlflow: MlflowConfig | None = Field(
        None, description="Log the run to MLflow (`pip install lstmcls[mlflow]`); `{}` takes the defaults."
    )


# One block type per registered source, told apart by its `source` key.
DataConfig = Annotated[
    functools.reduce(operator.or_, (SOURCES.get(name) for name in SOURCES.names())), Field(discriminator="source")
]


class Config(Section):
    data: DataConfig = Field(default_factory=ImdbSource, description="Where the examples come from.")
    vectorizer: VectorizerConfig = Field(default_factory=VectorizerConfig, description="Text to token ids.")
    model: ModelConfig = Field(default_factory=ModelConfig, description="The network.")
    train: TrainConfig = Field(default_factory=TrainConfig, description="Optimisation.")
    eval: EvalConfig = Field(
        default_factory=EvalConfig,
        description="How probabilities become answers (threshold, temperature), chosen on validation after training.",
    )
    run: RunConfig = Field(default_factory=RunConfig, description="Where the run is written.")
    distribute: DistributeConfig = Field(
        default_factory=DistributeConfig, description="Devices and hosts that train together."
    )
    track: TrackConfig = Field(
        default_factory=TrackConfig, description="Experiment trackers the run is also logged to (`--track`)."
    )
    tune: TuneConfig | None = Field(None, description="Search space for `lstmcls tune` (ignored by train).")
    pretrain: PretrainConfig | None = Field(
        None,
        description="Word vectors or a language model for `lstmcls pretrain`, and the vectors of train with "
        "model.embedding.pretrained: own.",
    )

    @model_validator(mode="after")
    def _baseline_in_memory(self) -> Config:
        if self.train.baseline and getattr(self.data, "streaming", False):
            raise ValueError(
                "train.baseline: true needs the training texts in memory; set train.baseline: false with "
                "data.streaming: true"
            )
        return self

    @model_validator(mode="after")
    def _pretraining(self) -> Config:
        language_model_rules(self)
        own_vectors_rules(self)
        return self

    @property
    def wants_baseline(self) -> bool:
        """Whether a run of this config fits the linear baseline (`train.baseline`; null: unless streamed)."""
        return self.train.baseline is not False and not getattr(self.data, "streaming", False)

    def to_yaml(self) -> str:
        absent = {name for name in ("tune", "pretrain") if getattr(self, name) is None}
        # by alias: a tune space's `int:` / `float:` keys, so the run's config.yaml reads back
        return yaml.safe_dump(self.model_dump(mode="json", exclude=absent, by_alias=True), sort_keys=False)
