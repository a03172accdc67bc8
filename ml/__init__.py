"""DeepTrace's detection core: plain PyTorch, no Django, no Celery.

Everything here takes paths and options and returns dataclasses, so it can be run and tested from a
plain Python shell. The web side calls it only through `ml.pipeline.analyze` and
`ml.weights.load_detector`.
"""
