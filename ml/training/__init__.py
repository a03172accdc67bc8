"""Training and measuring a detector: `train` (the entry point), cross-validation, the training loop,
recipes, dataset layouts, the face cache, sequences, splits, evaluation, metrics, plots and
publishing.

The top of `ml/`: it may import every other folder, and none imports it.
"""
