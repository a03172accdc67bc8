"""MTCNN's three stages on facenet-pytorch's networks and helpers, without its per-box Python loop.

facenet-pytorch's `detect_face` cuts every candidate box out of the frame and area-resizes it to 24
(then 48) pixels in a Python loop: one `interpolate` call per box, ~30 % of MTCNN's CPU time, and
hundreds of boxes a frame on textured 480p clips. Here every crop of a stage comes out of one gather
on a summed-area table of the batch: the mean of each output pixel's bin is exact (the table holds
integer sums in float64), where torch's `area` mode sums the same bins in float32, so scores agree to
float rounding and the boxes are MTCNN's own (tests/ml/test_mtcnn.py checks it on real frames).

The networks also run in channels_last, which PReLU/max-pool favour on a CPU (P-net 1.7x faster),
and on a CPU in chunks small enough that a layer's output stays in the cache (`Chunks`): facenet
runs R-net and O-net 512 crops at a time, whose first layer's output alone is 87 and 138 MB, and the
same crops then take 2x (R-net) and 2.4x (O-net) as long as in chunks of 64 and 32. Each image's
and crop's result is the same whatever it is chunked with, to float rounding (oneDNN may choose
another kernel for another batch size; tests/ml/test_mtcnn.py).
The pyramid's levels come from the same table (`pyramid`), with the bins of torch's `area` mode that
facenet's pyramid uses. Everything else (scales, thresholds, NMS, box regression) is facenet's code,
called as it is.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from facenet_pytorch.models.utils.detect_face import (
    batched_nms_numpy,
    bbreg,
    generateBoundingBox,
    pad,
    rerec,
)
from torchvision.ops.boxes import batched_nms


@dataclass(frozen=True)
class Chunks:
    """How much each network takes per forward pass. On a CPU (one thread, measured per image or
    crop): P-net levels of about 90k pixels (2 frames of 272x153: 30 % faster than 4 at once), R-net
    64 crops (70 us a crop, against 140 in facenet's 512), O-net 32 (414 us against 986). A GPU
    wants large batches: every image of a level at once and facenet's 512 crops."""

    pnet_pixels: int
    rnet: int
    onet: int

    @classmethod
    def for_device(cls, device: torch.device) -> Chunks:
        return cls(90_000, 64, 32) if device.type == "cpu" else cls(1 << 62, 512, 512)


class MtcnnStages:
    """Runs a facenet-pytorch `MTCNN`'s networks with its own thresholds, pyramid factor and minimum
    face size. `detect` has `MTCNN.detect`'s contract for a batch: per image an (n, 4) array of boxes
    (largest first) and their probabilities, or None and [None] when nothing was found."""

    def __init__(self, mtcnn):
        self.pnet, self.rnet, self.onet = (
            net.eval().to(memory_format=torch.channels_last) for net in (mtcnn.pnet, mtcnn.rnet, mtcnn.onet)
        )
        self.min_face_size = mtcnn.min_face_size
        self.thresholds = mtcnn.thresholds
        self.factor = mtcnn.factor
        self.device = torch.device(mtcnn.device or "cpu")
        self.chunks = Chunks.for_device(self.device)

    @torch.inference_mode()
    def detect(self, images, first_level: int = 0) -> tuple[list, list]:
        """`images`: (N, H, W, 3) uint8 or float RGB, as a numpy array or a tensor. `first_level` > 0
        leaves out the pyramid's finest levels, and with them the smallest faces (level k's smallest
        face is min_face_size / factor**k detection pixels: 20, then 28.2)."""
        boxes, probs, _ = self.detect_with_landmarks(images, first_level)
        return boxes, probs

    @torch.inference_mode()
    def detect_with_landmarks(self, images, first_level: int = 0) -> tuple[list, list, list]:
        """`detect`'s boxes and probabilities, and each face's five landmarks (5, 2): left eye, right
        eye, nose, left and right mouth corner, in the images' pixels (facenet's `points`)."""
        table = summed_area_table(images, self.device)
        boxes, image_inds = self._propose(table, first_level)
        if len(boxes):
            boxes, image_inds = self._refine(table, boxes, image_inds)
        if len(boxes):
            boxes, image_inds = self._output(table, boxes, image_inds)
        return _per_image(boxes.cpu().numpy(), image_inds.cpu().numpy(), len(table))

    def _scales(self, h: int, w: int) -> list[float]:
        m = 12.0 / self.min_face_size
        minl, scale, scales = min(h, w) * m, m, []
        while minl >= 12:
            scales.append(scale)
            scale, minl = scale * self.factor, minl * self.factor
        return scales

    def _propose(self, table: torch.Tensor, first_level: int = 0):
        """Stage 1: P-net over the pyramid, NMS per scale and then per image, boxes squared."""
        h, w = table.shape[1] - 1, table.shape[2] - 1
        boxes, image_inds = [], []
        scales = self._scales(h, w)[first_level:]
        if not scales:  # too small for any level that is left: nothing to propose
            return torch.zeros((0, 5), device=table.device), torch.zeros(0, dtype=torch.long, device=table.device)
        sizes = [(int(h * scale + 1), int(w * scale + 1)) for scale in scales]  # facenet's level sizes
        for scale, level in zip(scales, pyramid(table, sizes)):
            reg, probs = _chunked(self.pnet, level, self.chunks.pnet_pixels // (level.shape[2] * level.shape[3]))
            level_boxes, level_inds = generateBoundingBox(reg, probs[:, 1], scale, self.thresholds[0])
            pick = batched_nms(level_boxes[:, :4], level_boxes[:, 4], level_inds, 0.5)
            boxes.append(level_boxes[pick])
            image_inds.append(level_inds[pick])
        boxes, image_inds = torch.cat(boxes), torch.cat(image_inds)
        pick = batched_nms(boxes[:, :4], boxes[:, 4], image_inds, 0.7)
        boxes, image_inds = boxes[pick], image_inds[pick]
        width, height = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        boxes = torch.stack([
            boxes[:, 0] + boxes[:, 5] * width, boxes[:, 1] + boxes[:, 6] * height,
            boxes[:, 2] + boxes[:, 7] * width, boxes[:, 3] + boxes[:, 8] * height, boxes[:, 4],
        ], dim=1)
        return rerec(boxes), image_inds

    def _refine(self, table, boxes, image_inds):
        """Stage 2: R-net on 24-pixel crops; keeps confident boxes, NMS, regression, squared."""
        crops, boxes, image_inds = _crops(table, boxes, image_inds, 24)
        if not len(crops):
            return boxes[:, :5], image_inds
        reg, probs = _chunked(self.rnet, crops, self.chunks.rnet)
        score = probs[:, 1]
        keep = score > self.thresholds[1]
        boxes = torch.cat((boxes[keep, :4], score[keep].unsqueeze(1)), dim=1)
        image_inds, reg = image_inds[keep], reg[keep]
        pick = batched_nms(boxes[:, :4], boxes[:, 4], image_inds, 0.7)
        return rerec(bbreg(boxes[pick], reg[pick])), image_inds[pick]

    def _output(self, table, boxes, image_inds):
        """Stage 3: O-net on 48-pixel crops; keeps confident boxes, regression, NMS by the smaller area."""
        crops, boxes, image_inds = _crops(table, boxes, image_inds, 48)
        if not len(crops):
            return boxes[:, :5], image_inds
        reg, landmarks, probs = _chunked(self.onet, crops, self.chunks.onet)
        score = probs[:, 1]
        keep = score > self.thresholds[2]
        boxes = torch.cat((boxes[keep, :4], score[keep].unsqueeze(1)), dim=1)
        image_inds = image_inds[keep]
        points = _points(boxes, landmarks[keep])  # from the box before regression, as facenet does
        boxes = bbreg(boxes, reg[keep])
        pick = batched_nms_numpy(boxes[:, :4], boxes[:, 4], image_inds, 0.7, "Min")
        return torch.cat((boxes[pick][:, :5], points[pick]), dim=1), image_inds[pick]


def _chunked(net, x: torch.Tensor, size: int) -> tuple[torch.Tensor, ...]:
    """The network's outputs for x, run `size` (at least 1) images or crops at a time."""
    size = max(1, size)
    if len(x) <= size:
        return net(x)
    parts = [net(x[i : i + size]) for i in range(0, len(x), size)]
    return tuple(torch.cat(outputs) for outputs in zip(*parts))


def _normalise(pixels: torch.Tensor) -> torch.Tensor:
    return (pixels - 127.5) * 0.0078125


def summed_area_table(images, device: torch.device) -> torch.Tensor:
    """(N, H+1, W+1, C) cumulative sums with a zero first row and column, so any rectangle's sum is
    four lookups. 8-bit frames on a CPU go through OpenCV's integral (int32, exact; 3 ms for four
    640x360 frames, where torch's cumsum takes 35); anything else is summed in float64 on the device."""
    if isinstance(images, np.ndarray) and images.dtype == np.uint8 and device.type == "cpu":
        return torch.from_numpy(np.stack([cv2.integral(image, sdepth=cv2.CV_32S) for image in images]))
    pixels = torch.as_tensor(images, device=device).to(torch.float64)
    n, h, w, c = pixels.shape
    table = torch.zeros((n, h + 1, w + 1, c), dtype=torch.float64, device=device)
    table[:, 1:, 1:] = pixels.cumsum(1).cumsum(2)
    return table


def pyramid(table: torch.Tensor, sizes: list[tuple[int, int]]) -> list[torch.Tensor]:
    """The batch area-resized to each (height, width), normalised for P-net, (N, 3, h, w) each in
    channels_last: every level's every pixel in one gather of four corners from the summed-area table.
    torch's `area` mode (adaptive_avg_pool2d, facenet's pyramid) has the same bins but takes 12 ms
    for four 640x360 frames where this takes 5; its means can be one float32 ulp off the exact ones."""
    n, table_h, table_w, channels = table.shape
    corners, counts = _pyramid_plan(table_h - 1, table_w - 1, tuple(sizes), str(table.device))
    flat = table.view(n, table_h * table_w, channels)
    bottom_right, top_right, bottom_left, top_left = (flat.index_select(1, c) for c in corners)
    sums = bottom_right - top_right - bottom_left + top_left
    levels = _normalise(sums.to(torch.float32) / counts[None, :, None])
    out, start = [], 0
    for h, w in sizes:
        level = levels[:, start : start + h * w].view(n, h, w, channels).permute(0, 3, 1, 2)
        out.append(level.contiguous(memory_format=torch.channels_last))  # a slice: images lie apart
        start += h * w
    return out


@functools.lru_cache(maxsize=8)
def _pyramid_plan(h: int, w: int, sizes: tuple, device: str):
    """For every pixel of every level, in order: the flat table rows of its bin's four corners, and
    its bin's pixel count. Frames of one video share a size, so this is built once per video size."""
    corners, counts = [[], [], [], []], []
    zero, table_w = torch.zeros(1, dtype=torch.long), w + 1
    for level_h, level_w in sizes:
        rows0, rows1 = (r[0][:, None] for r in _bins(zero, torch.tensor([h]), level_h))
        cols0, cols1 = (c[0][None, :] for c in _bins(zero, torch.tensor([w]), level_w))
        for corner, (rows, cols) in zip(corners, [(rows1, cols1), (rows0, cols1), (rows1, cols0), (rows0, cols0)]):
            corner.append((rows * table_w + cols).reshape(-1))
        counts.append(((rows1 - rows0) * (cols1 - cols0)).reshape(-1))
    return ([torch.cat(c).to(device=device, dtype=torch.int32) for c in corners],  # ~3 MB for 640x360
            torch.cat(counts).to(device=device, dtype=torch.float32))


def _crops(table, boxes, image_inds, size: int):
    """Every box's crop, clipped to the image as facenet does, area-resized to size x size: the crops
    (K, 3, size, size) in channels_last, normalised, with the boxes and image indices that had one."""
    h, w = table.shape[1] - 1, table.shape[2] - 1
    y, ey, x, ex = (torch.as_tensor(v, device=table.device).long() for v in pad(boxes, w, h))
    nonempty = (ey > y - 1) & (ex > x - 1)  # a box wholly outside the frame has no crop
    if not bool(nonempty.all()):
        boxes, image_inds = boxes[nonempty], image_inds[nonempty]
        y, ey, x, ex = y[nonempty], ey[nonempty], x[nonempty], ex[nonempty]
    rows0, rows1 = _bins(y - 1, ey, size)
    cols0, cols1 = _bins(x - 1, ex, size)
    # Corners as row numbers of the table seen as (N*(H+1)*(W+1), C): four plain row gathers, faster
    # than indexing three dimensions at once. index_select, not flat[rows]: the same rows, 3.5x
    # faster on a CPU (300 O-net crops: 18 ms against 63 ms a gather).
    _, table_h, table_w, channels = table.shape
    flat = table.view(-1, channels)
    first_row = image_inds.long()[:, None] * table_h
    top, bottom = ((first_row + rows0) * table_w)[:, :, None], ((first_row + rows1) * table_w)[:, :, None]
    left, right = cols0[:, None, :], cols1[:, None, :]

    def rows(corner: torch.Tensor) -> torch.Tensor:
        return flat.index_select(0, corner.reshape(-1))

    sums = rows(bottom + right) - rows(top + right) - rows(bottom + left) + rows(top + left)
    counts = ((rows1 - rows0)[:, :, None] * (cols1 - cols0)[:, None, :]).reshape(-1, 1)
    # Bin sums are whole numbers far below 2**24, so exact in float32; one division rounds the mean.
    means = (sums.to(torch.float32) / counts).view(len(boxes), size, size, channels)
    return _normalise(means.permute(0, 3, 1, 2)), boxes, image_inds


def _bins(start: torch.Tensor, end: torch.Tensor, size: int):
    """adaptive_avg_pool2d's bins over [start, end): output i averages [start + floor(i*n/size),
    start + ceil((i+1)*n/size)), n = end - start (also right when n < size: bins then repeat)."""
    n = (end - start)[:, None]
    i = torch.arange(size, device=start.device)[None, :]
    return start[:, None] + (i * n) // size, start[:, None] - ((-(i + 1) * n) // size)


def _points(boxes: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
    """O-net's landmarks (N, 10: five x then five y, relative to the box) as image pixels (N, 10:
    x0, y0, x1, y1, ...), facenet's formula."""
    w = (boxes[:, 2] - boxes[:, 0] + 1).unsqueeze(1)
    h = (boxes[:, 3] - boxes[:, 1] + 1).unsqueeze(1)
    xs = w * landmarks[:, :5] + boxes[:, :1] - 1
    ys = h * landmarks[:, 5:10] + boxes[:, 1:2] - 1
    return torch.stack((xs, ys), dim=2).flatten(1)


def _per_image(boxes: np.ndarray, image_inds: np.ndarray, n: int) -> tuple[list, list, list]:
    """Per image: boxes (None without a face), probabilities ([None]) and landmarks ((k, 5, 2), or
    None where the stages stopped before O-net)."""
    out_boxes, out_probs, out_points = [], [], []
    for i in range(n):
        mine = boxes[image_inds == i]
        if not len(mine):
            out_boxes.append(None)
            out_probs.append([None])
            out_points.append(None)
            continue
        # MTCNN(select_largest=True), facenet's default, lists the largest face first.
        order = np.argsort((mine[:, 2] - mine[:, 0]) * (mine[:, 3] - mine[:, 1]))[::-1]
        out_boxes.append(mine[order, :4])
        out_probs.append(mine[order, 4])
        out_points.append(mine[order, 5:15].reshape(-1, 5, 2) if mine.shape[1] >= 15 else None)
    return out_boxes, out_probs, out_points
