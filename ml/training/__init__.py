"""Training and measuring a detector: `train` (the entry point: argv -> `config.TrainConfig`), the one
training path `fit_and_report` over a division of the videos (`single_split`: one split; `crossval`: K
folds; both a `division.Division`), the training `loop`, the run's `outputs`, recipes, dataset layouts,
the face cache, sequences, splits, evaluation, metrics, plots, the shared command-line `options`,
publishing, a step's `precision`, `self_blend` pseudo-fakes, fitting the served probability's
`calibration`, and the `portable` paths a published model records.

The top of `ml/`: it may import every other folder, and none imports it.
"""
