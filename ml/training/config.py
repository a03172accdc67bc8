"""One training run's settings, typed and frozen.

`ml.training.train.main` builds a TrainConfig from the command line (the manage.py command passes its
options to the same builder); everything below it takes the config or plain arguments, never the
parser's Namespace. A trained checkpoint keeps `as_dict()` in provenance["args"], and `from_dict`
reads it back: the run can be repeated from its checkpoint.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from ml.model.checkpoint import default_device
from ml.training.datasets import parse_spec
from ml.training.face_cache import DEFAULT_CACHE_DIR, ExtractSettings
from ml.training.metrics import BOOTSTRAP
from ml.training.portable import portable_path
from ml.training.recipes import DEFAULT_RECIPE, RECIPES, Recipe

THRESHOLD_RULES = ("youden", "eer")


@dataclass(frozen=True)
class TrainConfig:
    # Dataset folders or manifest CSVs, each PATH or PATH:LAYOUT (ml/training/datasets.py); a single
    # string is taken as a one-dataset tuple.
    data: tuple[str, ...]
    output: str = "var/runs/run"  # run folder: checkpoint, metrics, split, plots, log
    recipe: Recipe = field(default_factory=lambda: RECIPES[DEFAULT_RECIPE])  # with the options' overrides applied
    extract: ExtractSettings = field(default_factory=ExtractSettings)  # how the face cache is cut
    device: str = field(default_factory=default_device)
    format: str | None = None  # dataset layout; detected when None
    cache_dir: str = DEFAULT_CACHE_DIR
    workers: int = 1  # processes extracting faces for the cache
    backbone_weights: str | None = None  # ImageNet weights file; None: found on disk or random
    seed: int = 0
    cv: int = 0  # K of group K-fold cross-validation; 0: one split
    final: bool = False  # with cv: then train on every video, the threshold from the folds
    score_every: int = 0  # with cv: also score each fold's held-out videos every N epochs (AUC by epoch)
    test_fraction: float = 0.3
    val_fraction: float = 0.2  # share of the training groups held out to choose the threshold
    split: str | None = None  # a saved split.json to reuse instead of drawing one
    threshold_rule: str = "youden"  # see THRESHOLD_RULES
    num_workers: int = 0  # DataLoader workers
    bootstrap: int = BOOTSTRAP
    quiet: bool = False  # no progress bars

    def __post_init__(self):
        object.__setattr__(self, "data", (self.data,) if isinstance(self.data, str) else tuple(self.data))
        if self.threshold_rule not in THRESHOLD_RULES:
            raise ValueError(f"threshold_rule must be one of {THRESHOLD_RULES}, not {self.threshold_rule!r}")
        if self.cv == 1 or self.cv < 0:
            raise ValueError("Cross-validation needs at least 2 folds (cv=0 trains on one split).")
        if self.score_every < 0 or (self.score_every and not self.cv):
            raise ValueError("score_every (--score-every) needs cross-validation (--cv 2 or more) and a positive number of epochs.")
        if self.recipe.low_res_epochs and self.recipe.low_res_size >= self.recipe.size_for(self.device):
            # Refused rather than ignored: the run's recipe would say it ran progressive resizing.
            raise ValueError(f"--low-res-size {self.recipe.low_res_size} is not below the "
                             f"{self.recipe.size_for(self.device)} px this recipe trains at on {self.device}: "
                             "--low-res-epochs would change nothing; take a smaller size or leave it out.")
        if self.score_every >= self.recipe.epochs:
            raise ValueError(f"score_every (--score-every) {self.score_every} would score nothing before the last epoch: "
                             f"the recipe trains {self.recipe.epochs}; take fewer.")

    @property
    def progress(self) -> bool:
        return not self.quiet

    def portable(self) -> "TrainConfig":
        """This config with its paths as a published model records them (ml/training/portable.py):
        dataset folders by name (with their layout), the run folder, cache, weights and split by name
        unless given relative."""
        data = tuple(_portable_spec(spec, self.format) for spec in self.data)
        return replace(self, data=data, output=portable_path(self.output), cache_dir=portable_path(self.cache_dir),
                       backbone_weights=portable_path(self.backbone_weights), split=portable_path(self.split))

    def as_dict(self) -> dict:
        """Plain data (JSON types), as a checkpoint's provenance stores it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """The config `as_dict` gave. (Checkpoints trained before TrainConfig stored the raw options,
        with the recipe as a name: rebuild those through ml.training.train.build_config.)"""
        plain = {f.name: d[f.name] for f in fields(cls) if f.name in d}
        if "recipe" in plain:
            plain["recipe"] = Recipe(**plain["recipe"])
        if "extract" in plain:
            plain["extract"] = ExtractSettings.from_dict(plain["extract"])
        return cls(**plain)


def _portable_spec(spec: str, default_layout: str | None) -> str:
    path, layout = parse_spec(spec, default_layout)
    name = portable_path(path)
    return f"{name}:{layout}" if layout and layout != default_layout else name
