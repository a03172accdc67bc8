"""DeepTrace's detection core: plain PyTorch, no Django, no Celery.

Everything here takes paths and options and returns dataclasses, so it can be run and tested from a
plain Python shell. Four folders, each importing only those below it, and a contract on top:

    results.py, errors.py, decision.py   what the web side reads (torch-free): options and results
                                         dataclasses, errors whose message is a sentence, the decision rule
    media/      video -> sampled frames -> faces and tracks
    model/      the network, backbones, preprocessing presets, the checkpoint format
    serving/    analysing uploads: one video, or many at once
    training/   training, cross-validation, evaluation, publishing

The worker reaches it only through `detector.inference` (load a checkpoint, analyse a video); the
management commands call `ml.training` and `ml.serving.many_videos`.
"""
