"""The `pretrain:` block (`lstmcls pretrain`): word vectors (gensim) or the classifier's own network as a language
model, and the rules that tie it, and `model.pretrained`, to the rest of a config (docs/vectors.md,
docs/language-model.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from lstmcls.config.section import AbsolutePath, Section

if TYPE_CHECKING:
    from lstmcls.config.schema import Config

OWN_VECTORS = "own"  # model.embedding.pretrained: vectors pretrained on the config's own texts first (docs/vectors.md)
LANGUAGE_MODEL = "language_model"  # pretrain.method: the classifier's embedding and recurrent stack as a language model
WORD_VECTORS = ("word2vec", "fasttext")  # the gensim methods


class PretrainConfig(Section):
    method: Literal["word2vec", "fasttext", "language_model"] = Field(
        "word2vec",
        description="gensim's Word2Vec or FastText (word vectors), or language_model: the config's embedding and "
        "recurrent stack trained to predict the next (and, bidirectional, the previous) token, for model.pretrained.",
    )
    dim: int | None = Field(None, ge=1, description="Vector size; defaults to model.embedding.dim.")
    sg: bool = Field(False, description="Skip-gram (true: better rare words) or CBOW (false: faster); gensim.")
    window: int = Field(5, ge=1, description="Context words on each side of the target word; gensim.")
    min_count: int = Field(5, ge=1, description="Words seen fewer times get no vector; gensim.")
    epochs: int = Field(5, ge=1, description="Passes over the corpus.")
    workers: int = Field(
        3, ge=1, description="Training threads; only 1 gives the same vectors for a seed every time; gensim."
    )
    unlabelled: Literal["imdb"] | AbsolutePath | None = Field(
        None,
        description="Extra text besides the training texts: imdb (the unsupervised split), a .csv/.csv.gz file "
        "or a text file with one text per line.",
    )
    text_column: str = Field("text", min_length=1, description="Column of the unlabelled CSV that holds the text.")
    max_length: int | None = Field(
        None,
        ge=2,
        description="Tokens per window: each text is cut into windows this long; language_model; "
        "default vectorizer.max_length.",
    )
    batch_size: int = Field(64, ge=1, description="Windows per gradient step; language_model.")
    learning_rate: float = Field(2e-3, gt=0.0, le=1.0, description="Adam learning rate; language_model.")
    sampled: int = Field(
        1024,
        ge=1,
        description="Vocabulary words each step's sampled softmax scores besides the targets (log-uniform, frequent "
        "words likelier); a vocabulary no larger takes the full softmax; language_model.",
    )


def language_model_rules(config: Config) -> None:
    """The cross-field rules of `pretrain.method: language_model` and `model.pretrained`; a ValueError that says
    which key to change."""
    model, settings = config.model, config.pretrain
    if model.pretrained is not None and model.embedding.pretrained is not None:
        raise ValueError(
            "model.pretrained starts the embedding from the language model's rows too: drop model.embedding.pretrained "
            "(or model.pretrained)"
        )
    if settings is None or settings.method != LANGUAGE_MODEL:
        return
    if settings.dim is not None and settings.dim != model.embedding.dim:
        raise ValueError(
            f"pretrain.method: language_model trains model.embedding.dim ({model.embedding.dim}) itself, but "
            f"pretrain.dim is {settings.dim}: drop pretrain.dim"
        )
    if model.bidirectional and model.layers > 1:
        raise ValueError(
            "pretrain.method: language_model cannot train stacked bidirectional layers (each direction of the second "
            "layer reads the other's, which has seen the tokens it must predict): set model.layers: 1 or "
            "model.bidirectional: false"
        )


def own_vectors_rules(config: Config) -> None:
    """What `model.embedding.pretrained: own` needs: the texts in memory on one host, word vectors of the
    embedding's size; a ValueError that says which key to change."""
    if config.model.embedding.pretrained != OWN_VECTORS:
        return
    own, fix = "model.embedding.pretrained: own", "or run `lstmcls pretrain CONFIG` first and name its run"
    if getattr(config.data, "streaming", False):
        raise ValueError(f"{own} pretrains on the training texts in memory: drop data.streaming {fix}")
    if config.distribute.strategy == "multi_worker":
        raise ValueError(f"{own} would pretrain on every host: use another strategy {fix}")
    if config.pretrain is not None and config.pretrain.method == LANGUAGE_MODEL:
        raise ValueError(f"{own} pretrains word vectors, not a language model: set model.pretrained to a run {fix}")
    dim = config.pretrain.dim if config.pretrain else None
    if dim is not None and dim != config.model.embedding.dim:
        raise ValueError(
            f"{own} fills the embedding with the vectors, but pretrain.dim is {dim} and model.embedding.dim "
            f"{config.model.embedding.dim}: drop pretrain.dim or make them equal"
        )
