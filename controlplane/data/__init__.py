"""Training data out of the store: `data stats`, `data export`, `data cleanup` and labels.

Where it sits in the flow: the runtime records samples (`runtime.recorder`, redacted as they are
written); these verbs read them back. `format` turns one sample into one line of Together's
fine-tuning format (pure), `export` streams a selection to a file in constant memory, `stats`
says per role what there is and whether it is worth a fine-tune, `retention` is the one rule
that deletes old samples, for `data cleanup` and for reconcile alike.
"""
