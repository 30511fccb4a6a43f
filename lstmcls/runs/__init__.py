"""Run directories: the files a run holds, creating and finding runs, and describing them.

`run.json` is written first with status `running` and rewritten last with `complete`, so a run that crashed,
was interrupted or killed can never pass for a finished one. Import the package (`from lstmcls import runs`)
and use `runs.Run`, `runs.METRICS`, ...
"""

from lstmcls.runs.catalog import details, summarize
from lstmcls.runs.files import (
    BACKUP,
    BEST_WEIGHTS,
    CHECKPOINTS,
    CLASSIFIER,
    COMPLETE,
    CONFIG,
    EVAL,
    EVAL_PREFIX,
    EXPORT,
    FAILED,
    HISTORY,
    INTERRUPTED,
    LABELS,
    LEARNING_CURVES,
    LOGS,
    META,
    METRICS,
    MODEL,
    NEIGHBOURS,
    PLOTS,
    PREPROCESSOR,
    PRETRAIN,
    RUNNING,
    VECTORS,
    VOCABULARY,
)
from lstmcls.runs.run import (
    Run,
    create_run,
    list_runs,
    newest_named,
    open_run,
    process_info,
    read_json,
    utc_now,
    write_json,
)
