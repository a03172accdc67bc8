"""An analysis saved by the worker's own `save_result`, its two most suspicious crops with heatmaps."""

from detector import jobs
from tests.fixtures import fake_result, make_analysis, make_model, tiny_jpeg

HEATMAP = tiny_jpeg((250, 40, 40))


def analysis_with_heatmaps(owner, frames=3, with_heatmaps=2):
    analysis = make_analysis(owner)
    result = fake_result(frames=frames)
    for k, frame in enumerate(result.frames):
        frame.fake_probability = 0.5 + 0.1 * k  # the last frames are the most suspicious
        frame.heatmap_jpeg = HEATMAP if k >= frames - with_heatmaps else None
    jobs.save_result(analysis, make_model(), result, 1.0)
    analysis.refresh_from_db()
    return analysis


def heatmap_frames(analysis):
    return [f for f in analysis.frames.all() if f.heatmap]
