"""Analysing uploads: `pipeline.analyze(path, detector, options, progress) -> AnalysisResult` for one
video; `scoring` (crops -> per-step and per-track probabilities); `many_videos` (many at once, on
threads or worker processes) with `microbatch`, `process_pool` and `outcomes`; `acceleration` and
`allocator` (per-device speed settings).

Imports `ml.model`, `ml.media` and the contract; never training.
"""
