"""Named training recipes: every setting that decides how a detector is trained, in one place.

- "finetune" (default): an ImageNet-initialised EfficientNet-Lite0, fully fine-tuned with the LSTM.
  The recipe that makes the detector learn on people it has never seen (issue 8's measurements:
  frozen or partly trained backbones stay near chance). AdamW, lower rate for the pretrained
  backbone, one-cycle schedule, balanced classes, a per-step loss beside the sequence loss, mild
  per-sequence augmentation, bf16 autocast where the processor has it. 224 px on a GPU; 160 px on a CPU
  (224 px costs about 4x 112 px's time there, 160 px 1.5x): on the same folds 160 px scored above 112 px
  at both seeds measured (pooled out-of-fold AUC 0.678 against 0.637, paired +0.041, 95 % CI
  -0.005..+0.088; 0.692 against 0.651, +0.040, -0.017..+0.101), Face2Face most (+0.09 and +0.12, both
  intervals clear of zero). 15 epochs: they scored as 25 did on people never seen in training (pooled
  out-of-fold AUC 0.651 against 0.655, paired -0.004, 95 % CI -0.070..+0.065) for 60 % of the compute.
  bf16 where the processor runs it natively ("auto"): on the same folds it scored as fp32 did (pooled
  0.637 against 0.635, paired -0.002, 95 % CI -0.017..+0.020). A quarter of the fake training
  sequences are self-blended reals (ml/training/self_blend.py): on the same folds at 160 px it scored
  above none at both seeds measured (pooled 0.709 against 0.678, paired +0.031, 95 % CI -0.016..+0.067;
  0.692 against 0.662, +0.030, -0.023..+0.066), FaceSwap most (+0.056 and +0.102); half of them did not
  (its second seed scored below none).
- "finetune-sbi": "finetune" with half of the fake training sequences self-blended and
  temperature-calibrated probabilities: the rate measured first, kept to reproduce that measurement.
- "method": the paper's own settings ("Deepfake detection using ResNeXt and LSTM"): ResNeXt-50 32x4d,
  112 px, Adam lr 1e-5, weight decay 1e-3, batch 4, 20 epochs, 20-frame sequences, plain loss; fp32
  on a CPU, as it was measured (bf16 was cross-validated for "finetune" only).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from ml.model import backbones
from ml.model.calibration import CALIBRATIONS
from ml.model.presets import check_augmentation
from ml.training.precision import DEFAULT_PRECISION, PRECISIONS


@dataclass(frozen=True)
class Recipe:
    name: str
    backbone: str
    image_size: int  # on CUDA
    cpu_image_size: int  # on a CPU
    sequence_length: int  # crops per training sequence
    batch_size: int  # sequences per step
    epochs: int
    optimizer: str  # "adam" | "adamw"
    lr_backbone: float
    lr_head: float  # LSTM and classifier
    weight_decay: float
    schedule: str  # "constant" | "onecycle"
    step_loss_weight: float  # weight of the per-step cross-entropy beside the sequence one
    balanced_sampling: bool  # draw real and fake sequences equally often
    min_crop: float  # random square crop of min_crop..1 of the side
    brightness: float  # brightness shift ±
    lstm_hidden: int = 2048
    dropout: float = 0.4
    train_blocks: int = -1  # backbone blocks that train, counted from the top; -1 all, 0 frozen (ml/model/network.py)
    precision: str = DEFAULT_PRECISION  # a training step's autocast (ml/training/precision.py)
    self_blend_rate: float = 0.0  # share of the fake training sequences that are self-blended reals instead
    calibration: str = "none"  # fitted on held-out scores, served with the model (ml/model/calibration.py)
    tta_flip: bool = False  # serving also scores the mirrored crops and averages the logits
    # Progressive resizing: the first low_res_epochs train on the batches scaled down to low_res_size
    # (a step there costs about 1/1.4 of a 160 px one); the rest, and serving, at the recipe's size
    # (at least one epoch: batch-norm statistics and filters must end at the serving size).
    low_res_epochs: int = 0
    low_res_size: int = 112
    frozen_bn: bool = False  # batch norm normalises with its ImageNet statistics while training (scale, shift train)
    augmentation: str = "mild"  # per-sequence jitter of the training crops (ml/model/presets.py: "mild" | "strong")

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {CALIBRATIONS}, not {self.calibration!r}")
        if not 0.0 <= self.self_blend_rate <= 1.0:
            raise ValueError(f"self_blend_rate must be within 0..1, not {self.self_blend_rate}")
        if not 0 <= self.low_res_epochs < self.epochs:  # the last epochs train at the size the model serves at
            raise ValueError(f"--low-res-epochs must be within 0..{self.epochs - 1} (fewer than the epochs), "
                             f"not {self.low_res_epochs}")
        check_augmentation(self.augmentation)
        if self.low_res_size < 32:
            raise ValueError(f"--low-res-size must be at least 32 px, not {self.low_res_size}")
        blocks = backbones.spec(self.backbone).blocks
        if not -1 <= self.train_blocks <= blocks:
            raise ValueError(f"--train-blocks must be -1 (the whole backbone) or 0..{blocks} for {self.backbone}, "
                             f"not {self.train_blocks}")

    def as_dict(self) -> dict:
        return asdict(self)

    def size_for(self, device: str) -> int:
        return self.image_size if str(device).startswith("cuda") else self.cpu_image_size

    def step_size(self, epoch: int, device: str) -> int | None:
        """The size epoch `epoch` (from 1) trains at where it is smaller than the loader's; None: as loaded."""
        small = epoch <= self.low_res_epochs and self.low_res_size < self.size_for(device)
        return self.low_res_size if small else None


RECIPES = {
    "finetune": Recipe(
        name="finetune", backbone="efficientnet_lite0", image_size=224, cpu_image_size=160,
        sequence_length=16, batch_size=8, epochs=15, optimizer="adamw", lr_backbone=1e-4, lr_head=3e-4,
        weight_decay=1e-3, schedule="onecycle", step_loss_weight=0.5, balanced_sampling=True,
        min_crop=0.85, brightness=0.1, precision="auto", self_blend_rate=0.25,
    ),
    "method": Recipe(
        name="method", backbone="resnext50_32x4d", image_size=112, cpu_image_size=112,
        sequence_length=20, batch_size=4, epochs=20, optimizer="adam", lr_backbone=1e-5, lr_head=1e-5,
        weight_decay=1e-3, schedule="constant", step_loss_weight=0.0, balanced_sampling=False,
        min_crop=1.0, brightness=0.1,
    ),
}
RECIPES["finetune-sbi"] = replace(RECIPES["finetune"], name="finetune-sbi", self_blend_rate=0.5,
                                  calibration="temperature")
DEFAULT_RECIPE = "finetune"

# Command-line option -> recipe field, for overriding one setting of a named recipe.
OVERRIDES = {
    "backbone": "backbone", "image_size": "image_size", "frames": "sequence_length", "batch_size": "batch_size",
    "epochs": "epochs", "lr": "lr_backbone", "lr_head": "lr_head", "weight_decay": "weight_decay",
    "lstm_hidden": "lstm_hidden", "dropout": "dropout", "train_blocks": "train_blocks", "precision": "precision",
    "self_blend_rate": "self_blend_rate", "calibration": "calibration", "tta_flip": "tta_flip",
    "low_res_epochs": "low_res_epochs", "low_res_size": "low_res_size", "frozen_bn": "frozen_bn",
    "augmentation": "augmentation",
}


def recipe_from(name: str, **overrides) -> Recipe:
    """The named recipe with the given (non-None) settings replaced. An --image-size applies on any
    device; a --lr alone sets both rates (as the method's single rate does)."""
    if name not in RECIPES:
        raise ValueError(f"Unknown recipe {name!r}; choose one of {', '.join(RECIPES)}.")
    recipe = RECIPES[name]
    changes = {OVERRIDES[k]: v for k, v in overrides.items() if k in OVERRIDES and v is not None}
    if "image_size" in changes:
        changes["cpu_image_size"] = changes["image_size"]
    if "lr_backbone" in changes and "lr_head" not in changes and recipe.lr_backbone == recipe.lr_head:
        changes["lr_head"] = changes["lr_backbone"]
    return replace(recipe, **changes)
