"""Every name a run directory holds, its statuses and kinds: the one place these strings are spelled."""

# === Artifact names ===
CONFIG = "config.yaml"
META = "run.json"
MODEL = "model.keras"
PREPROCESSOR = "preprocessor.keras"
LABELS = "labels.json"
HISTORY = "history.csv"
METRICS = "metrics.json"
EVAL = "eval.json"
LOGS = "logs"
CHECKPOINTS = "checkpoints"
EXPORT = "export"
PLOTS = "plots"
VECTORS = "vectors.bin"  # a pretrain run's word vectors, word2vec binary format
VOCABULARY = "vocabulary.tsv"  # a pretrain run's words and their corpus counts, most frequent first
NEIGHBOURS = "neighbours.json"  # a pretrain run's sanity check: nearest neighbours of a few common words
LANGUAGE_MODEL = "language_model.keras"  # a language model pretrain run's network: embedding, recurrent stack, heads

RUNNING, COMPLETE, FAILED, INTERRUPTED = "running", "complete", "failed", "interrupted"

# What a run holds: a classifier (`lstmcls train`) or word vectors (`lstmcls pretrain`).
CLASSIFIER, PRETRAIN = "classifier", "pretrain"
EVAL_PREFIX = "eval-"  # eval-<file stem>.json: a run scored on another labelled file
LEARNING_CURVES = "learning_curves.png"  # in PLOTS
CONFUSION_MATRIX_PLOT = "confusion_matrix-{split}.png"  # in PLOTS, per scored split
ROC_PLOT = "roc-{split}.png"  # in PLOTS, per scored split of a two-class run
BEST_WEIGHTS = "best.weights.h5"  # in CHECKPOINTS
BACKUP = "backup"  # in CHECKPOINTS: Keras BackupAndRestore's last completed epoch

# === A tuning study's folder: <runs dir>/tune/<study>/ ===
STUDIES = "tune"  # in the runs directory
STUDY_DB = "study.db"  # the default SQLite storage
TRIALS = "trials.json"
BEST_CONFIG = "best.yaml"  # the best trial's config, ready for `lstmcls train`
HISTORY_PLOT = "history.png"
IMPORTANCES_PLOT = "importances.png"

# === Comparing and tracking runs ===
KILLED = "killed"  # how `lstmcls runs` shows a `running` run whose process is gone (never written to run.json)
CURVES = "curves-{split}.json"  # in PLOTS: the points of a two-class split's ROC and precision-recall curves
TRACKING = "tracking"  # the key of run.json that records where trackers (MLflow) hold the run
DECISION = "decision.json"  # how probabilities become answers: temperature and thresholds (reporting/decision.py)
PR_PLOT = "pr-{split}.png"  # in PLOTS, per scored split: precision-recall curves
RELIABILITY_PLOT = "reliability-{split}.png"  # in PLOTS, per scored split: calibration (reliability diagram)
BASELINE = "baseline.joblib"  # the linear baseline fitted on the run's split (reporting/baseline.py)
