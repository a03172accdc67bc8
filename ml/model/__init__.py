"""The detector itself: `network` (its config dataclass and the module: frame encoder -> LSTM ->
linear), `backbones` (ResNeXt and EfficientNet-Lite, ImageNet weights from local files only),
`presets` (the crops' preprocessing, for training and serving) and `checkpoint` (the one file format,
and the loaded `Detector` bundle a checkpoint becomes).

Imports `ml.media` (how faces are cut) and the contract; never serving or training.
"""
