"""The example clip a signed-in user can analyse with one click: generated, never a dataset's face.

scikit-image's astronaut (Eileen Collins, a NASA photograph in the public domain, shipped inside the
scikit-image wheel) moves slowly over a plain background, written as a VP8 WebM that every browser
plays. It is made once, at first use (or by `manage.py make_example_clip`), and kept in media storage
under a fixed name, so every click submits the same content: one Video per owner, the second click
shows the earlier analysis (detector.services.submit). Nothing generated is committed to git.
"""

import io
from fractions import Fraction
from functools import lru_cache

import numpy as np
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

NAME = "examples/astronaut-v1.webm"
SHOWN_AS = "example-astronaut.webm"  # the name the user sees
SIZE = (480, 360)
FPS = 15
SECONDS = 3
BACKGROUND = (100, 110, 90)  # RGB, plain: nothing but the astronaut looks like a face


def open_example():
    """The stored example as a File named SHOWN_AS, generated first if it is not stored yet."""
    if not default_storage.exists(NAME):
        # Two first clicks at once may both write it: the same bytes, and the loser's copy is removed.
        saved = default_storage.save(NAME, ContentFile(render()))
        if saved != NAME:
            default_storage.delete(saved)
    return File(default_storage.open(NAME, "rb"), name=SHOWN_AS)


def render():
    """The clip's bytes: VP8 in WebM."""
    import av  # the worker's decoder; imported here so the web side loads it only for the example

    out = io.BytesIO()
    with av.open(out, "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        stream.time_base = Fraction(1, FPS)
        stream.options = {"deadline": "good", "cpu-used": "4", "threads": "1"}
        for i in range(FPS * SECONDS):
            frame = av.VideoFrame.from_ndarray(_frame(i / (FPS * SECONDS)), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()


@lru_cache(maxsize=1)
def _portrait():
    from skimage import data

    return data.astronaut()[0:300, 80:380]  # head and shoulders, RGB


def _frame(t):
    """One frame at phase t in [0, 1): the face drifts right and grows a little, as a person moves."""
    w, h = SIZE
    frame = np.empty((h, w, 3), np.uint8)
    frame[:] = BACKGROUND
    side = int(h * (0.75 + 0.1 * t))
    tile = _scaled(_portrait(), side)
    x = int((w - side) * (0.3 + 0.4 * t))
    y = (h - side) // 2
    frame[y:y + side, x:x + side] = tile
    return frame


def _scaled(image, side):
    from PIL import Image

    return np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.LANCZOS))
