"""A report to take away: one finished analysis as a JSON document and as a PDF.

`build` gathers the facts (file, SHA-256, model and its measured quality, verdict, every scored face,
staff review, time of analysis); `as_json` and `as_pdf` render them. The web page and the API serve
the same bytes. The JSON's shape is documented in the OpenAPI document (detector/api/report.py).
"""

import json
from datetime import datetime

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF

from detector import explain
from detector.api.serializers import provenance_data
from detector.links import absolute

REPORT_VERSION = 1
VERDICT_WORDS = {"real": "Real", "fake": "Fake", "uncertain": "Uncertain", "no_face": "No face found"}
# Without DEEPTRACE_SITE_URL a downloaded JSON report cannot link to its crops; it says where they are.
CROPS_IN_PDF = ("The face crops and their heatmaps are in the PDF report of this analysis; links to them need "
                "the site's address (DEEPTRACE_SITE_URL), which is not set.")
BAND_RGB = {"real": (31, 122, 77), "uncertain": (168, 107, 0), "fake": (179, 38, 30), "none": (93, 102, 120)}


def is_ready(analysis):
    return analysis.status == analysis.Status.DONE


def file_name(analysis, fmt):
    return f"deeptrace-report-{analysis.pk}.{fmt}"


def build(analysis):
    """The report as plain data (JSON types only)."""
    threshold, band = analysis.decision_rule
    return {
        "report_version": REPORT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "analysis": {"id": analysis.pk, "created_at": analysis.created_at.isoformat(),
                     "analysed_at": analysis.finished_at.isoformat() if analysis.finished_at else None,
                     "processing_seconds": analysis.processing_seconds},
        "video": _video(analysis.video),
        "model": _model(analysis.model_version),
        "result": {
            "verdict": analysis.verdict, "verdict_label": analysis.get_verdict_display(),
            "confidence": analysis.confidence, "fake_probability": analysis.fake_probability,
            "threshold": threshold, "uncertain_band": band,
            "frames_requested": analysis.frames_requested, "frames_analysed": analysis.frames_analysed,
            "faces_found": analysis.faces_found,
            "people": explain.people(analysis), "face_detections": analysis.faces_found,
            "explanation": vars(explained) if (explained := explain.explain(analysis)) else None,
        },
        "tracks": [{"track": t["track"], "fake_probability": t["fake_probability"], "frames": t["frames"]}
                   for t in analysis.tracks],
        "frames": [_frame(analysis, frame) for frame in analysis.frames.all()],
        "review": _review(analysis.reviews.first()),
        "provenance": provenance_data(analysis),
        "crops_note": None if settings.SITE_URL else CROPS_IN_PDF,
    }


def _video(video):
    return {"file_name": video.original_name, "size_bytes": video.size_bytes, "sha256": video.sha256,
            "duration_s": video.duration_s, "width": video.width, "height": video.height}


def _model(model):
    if model is None:
        return None
    return {"name": model.name, "backbone": model.backbone, "checkpoint_sha256": model.checkpoint_sha256,
            "untrained": model.is_untrained, "quality": model.quality}


def _frame(analysis, frame):
    return {"track": frame.track, "frame_index": frame.frame_index, "timestamp_s": frame.timestamp_s,
            "fake_probability": frame.fake_probability, "band": analysis.band_of(frame.fake_probability),
            "crop_url": _site_url(reverse("detector:crop", args=[frame.pk])),
            "heatmap_url": _site_url(reverse("detector:heatmap", args=[frame.pk])) if frame.heatmap else None}


def _site_url(path):
    """An absolute URL under DEEPTRACE_SITE_URL, or None: a bare path is useless in a downloaded file."""
    return absolute(None, path) if settings.SITE_URL else None


def human_time(value):
    """"5 Dec 2026, 23:46 UTC" for an ISO 8601 time (the report's own), in the site's time zone."""
    if not value:
        return "-"
    local = timezone.localtime(datetime.fromisoformat(value))
    return f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def _review(review):
    if review is None:
        return None
    return {"decision": review.decision, "decision_label": review.get_decision_display(),
            "reviewed_at": review.created_at.isoformat()}


def as_json(report):
    return json.dumps(report, indent=2).encode()


CONTENT_TYPES = {"json": "application/json", "pdf": "application/pdf"}


def download(analysis, fmt):
    """The report as a file download, for the web page and the API alike."""
    report = build(analysis)
    body = as_pdf(report, analysis) if fmt == "pdf" else as_json(report)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{file_name(analysis, fmt)}"'
    return response


# --- PDF ---------------------------------------------------------------------------------------------

def as_pdf(report, analysis):
    """A one-to-two page A4 PDF with the facts, the per-frame chart and the face crops."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"DeepTrace report {report['analysis']['id']}")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    _heading(pdf, report)
    _facts(pdf, report)
    _quality(pdf, report["model"])
    _provenance(pdf, report["provenance"])
    rows = list(analysis.frames.all())  # the same order as report["frames"]; their crops go in the PDF
    for track in sorted({f["track"] for f in report["frames"]}):
        pairs = [(f, row) for f, row in zip(report["frames"], rows) if f["track"] == track]
        _chart(pdf, [f for f, _ in pairs], report["result"]["threshold"], f"Face {track + 1}: fake probability per frame")
        _crops(pdf, pairs)
        _heatmaps(pdf, pairs)
    pdf.set_font("Helvetica", size=8)
    pdf.ln(4)
    pdf.multi_cell(0, 4, _latin1("A verdict is evidence, not proof. It estimates whether the faces in this "
                                 "video were manipulated, with the quality measured for the model above."))
    return bytes(pdf.output())


def _latin1(text):
    # The PDF's core fonts are Latin-1; a user's file name may hold anything.
    return str(text).replace("\u2014", "-").replace("\u2013", "-").encode("latin-1", "replace").decode("latin-1")


def _heading(pdf, report):
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, "DeepTrace analysis report", new_x="LMARGIN", new_y="NEXT")
    result = report["result"]
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_text_color(*BAND_RGB.get(result["verdict"], BAND_RGB["none"]))
    confidence = "" if result["verdict"] == "no_face" else f" (confidence {result['confidence']:.0%})"
    pdf.cell(0, 9, _latin1(f"Verdict: {result['verdict_label']}{confidence}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    if result["explanation"]:  # the page's words (detector.explain)
        said = result["explanation"]
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, _latin1(f"{said['headline']} How sure: {said['sureness'].lower()}. {said['detail']}"),
                       new_x="LMARGIN", new_y="NEXT")
    if report["review"]:
        pdf.set_font("Helvetica", "", 11)
        review = report["review"]
        pdf.cell(0, 7, _latin1(f"Reviewed by staff: {review['decision_label']} ({human_time(review['reviewed_at'])})"),
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _facts(pdf, report):
    video, result, model = report["video"], report["result"], report["model"]
    resolution = f"{video['width']}x{video['height']}" if video["width"] else "unknown"
    duration = f"{video['duration_s']:.1f} s" if video["duration_s"] else "unknown"
    rows = [
        ("File", video["file_name"]), ("Size", f"{video['size_bytes']:,} bytes"), ("SHA-256", video["sha256"]),
        ("Duration, resolution", f"{duration}, {resolution}"),
        ("Fake probability", "-" if result["fake_probability"] is None else f"{result['fake_probability']:.3f}"),
        ("Decision rule", f"fake at or above {result['threshold']:.3f}, uncertain within {result['uncertain_band']:.3f}"),
        ("Frames read", f"{result['frames_analysed']} of {result['frames_requested']} requested; "
                        f"{result['people']} {'person' if result['people'] == 1 else 'people'}, "
                        f"{result['face_detections']} face detections"),
        ("Model", f"{model['name']} ({model['backbone']})" if model else "removed"),
        ("Analysed at", human_time(report["analysis"]["analysed_at"])),
        ("Analysis", f"#{report['analysis']['id']}, report generated {human_time(report['generated_at'])}"),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(45, 5.5, _latin1(label))
        pdf.set_font("Courier" if label == "SHA-256" else "Helvetica", "", 9)
        pdf.multi_cell(0, 5.5, _latin1(value), new_x="LMARGIN", new_y="NEXT")


def _quality(pdf, model):
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    if model is None:
        text = "The model that produced this verdict has been removed; its quality is unknown."
    elif model["untrained"]:
        text = "This model was never trained: its verdicts are meaningless."
    elif not model["quality"]:
        text = "This model's accuracy has not been measured."
    else:
        q = model["quality"]
        sd = f" +/- {q['auc_sd']:.2f}" if q.get("auc_sd") is not None else ""
        text = f"Measured quality: AUC {q['auc']:.2f}{sd} ({q.get('protocol', '')}; {q.get('data', '')})."
    pdf.multi_cell(0, 5.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


CREDENTIAL_WORDS = {"valid": "Valid", "untrusted": "Signed by an untrusted signer", "tampered": "Tampered (changed after signing)",
                    "expired": "Signer's certificate expired", "invalid": "Invalid", "none": "No credentials",
                    "unsupported": "None (this file type cannot carry them)", "error": "Could not be read"}


def _provenance(pdf, provenance):
    """Content Credentials and the file's metadata: a second, independent line of evidence."""
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Provenance", new_x="LMARGIN", new_y="NEXT")
    if provenance is None:
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 5, "Not read for this analysis.", new_x="LMARGIN", new_y="NEXT")
        return
    c, m = provenance["credentials"], provenance["metadata"]
    rows = [("Content Credentials", CREDENTIAL_WORDS[c["status"]]), ("", c["summary"] + (f" {c['detail']}" if c["detail"] else ""))]
    if c["present"]:
        rows += [("Signed by", " / ".join(x for x in (c["signer"], c["signer_organisation"]) if x) or "-"),
                 ("Made with", c["claim_generator"] or "-")]
        rows += [("Declared action", " - ".join(x for x in (a["label"], a["source_type_label"], a["software_agent"]) if x))
                 for a in c["actions"]]
        rows += [("Ingredient", "  " * i["depth"] + f"{i['title'] or '(untitled)'} ({i['relationship'] or '-'}"
                  + (f", signed by {i['signer']})" if i["signer"] else ", no credentials)")) for i in c["ingredients"]]
        rows += [("Problem", f"{p['code']}: {p['explanation']}") for p in c["problems"]]
    video = m["video"][0] if m["video"] else {}
    rows += [("Container", m["format"] or "unreadable"), ("Written by", m["written_by"] or "not recorded"),
             ("Created / modified", f"{m['created_at'] or 'not recorded'} / {m['modified_at'] or 'not recorded'}"),
             ("Video", f"{video.get('codec') or '-'}, {video.get('frame_rate') or '-'} fps, {len(m['video'])} video track(s)")]
    rows += [("Note", o["text"]) for o in m["observations"]]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(45, 5, _latin1(label))
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 5, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _chart(pdf, frames, threshold, title):
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    if pdf.will_page_break(45):
        pdf.add_page()
    left, top, width, height = pdf.l_margin + 10, pdf.get_y() + 2, pdf.epw - 12, 35
    x = _scale([f["timestamp_s"] for f in frames], left, left + width)
    y = lambda p: top + (1 - p) * height  # noqa: E731
    pdf.set_draw_color(200, 205, 215)
    pdf.set_font("Helvetica", "", 7)
    for p in (0, 0.5, 1):
        pdf.line(left, y(p), left + width, y(p))
        pdf.text(pdf.l_margin, y(p) + 1, f"{p:.0%}")
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.line(left, y(threshold), left + width, y(threshold))
    pdf.set_dash_pattern()
    pdf.set_draw_color(47, 91, 211)
    points = [(x(f["timestamp_s"]), y(f["fake_probability"])) for f in frames]
    for a, b in zip(points, points[1:]):
        pdf.line(*a, *b)
    for (px, py), f in zip(points, frames):
        pdf.set_fill_color(*BAND_RGB[f["band"]])
        pdf.circle(px, py, 1.2, style="F")
    pdf.text(left, top + height + 4, f"{frames[0]['timestamp_s']:.1f} s")
    pdf.text(left + width - 8, top + height + 4, f"{frames[-1]['timestamp_s']:.1f} s")
    pdf.set_y(top + height + 7)


def _scale(values, low, high):
    start, span = min(values), (max(values) - min(values)) or 1
    return lambda v: low + (v - start) / span * (high - low)


PDF_HEATMAPS = 3  # per face: its most suspicious crops, each beside its heatmap (a row of the page)


def _heatmaps(pdf, pairs, size=28, gap=3):
    """Where the model looked: the face's most suspicious crops that have a heatmap, each crop beside it."""
    shown = sorted([(f, row) for f, row in pairs if row.heatmap], key=lambda p: -p[0]["fake_probability"])
    if not shown:
        return
    if pdf.will_page_break(size + 14):
        pdf.add_page()
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, "Where the model looked (most suspicious crops; a heatmap is not proof)",
             new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 1
    for i, (f, row) in enumerate(shown[:PDF_HEATMAPS]):
        left = pdf.l_margin + i * (2 * size + 2 * gap)
        for k, field in enumerate((row.crop, row.heatmap)):
            with field.open("rb") as handle:
                pdf.image(handle, left + k * size, top, size, size)
        pdf.set_font("Helvetica", "", 7)
        pdf.text(left, top + size + 3.5, f"{f['timestamp_s']:.1f} s  {f['fake_probability']:.0%}")
    pdf.set_y(top + size + 6)


def _crops(pdf, pairs, size=22, gap=3):
    per_row = int((pdf.epw + gap) // (size + gap))
    for start in range(0, len(pairs), per_row):
        if pdf.will_page_break(size + 8):
            pdf.add_page()
        top = pdf.get_y()
        for i, (f, row) in enumerate(pairs[start:start + per_row]):
            left = pdf.l_margin + i * (size + gap)
            with row.crop.open("rb") as handle:
                pdf.image(handle, left, top, size, size)
            pdf.set_draw_color(*BAND_RGB[f["band"]])
            pdf.set_line_width(0.8)
            pdf.rect(left, top, size, size)
            pdf.set_line_width(0.2)
            pdf.set_font("Helvetica", "", 7)
            pdf.text(left, top + size + 3.5, f"{f['timestamp_s']:.1f} s  {f['fake_probability']:.0%}")
        pdf.set_y(top + size + 6)
