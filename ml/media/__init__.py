"""From a file to face crops: probing and decoding a video (only the frames needed), decoding ahead on
a thread, JPEG, and finding faces with MTCNN and following them into tracks. Beside them, where the
file came from: its Content Credentials and container metadata (provenance, metadata, boxes).

Imports nothing from the other folders of `ml/`: only the contract (`ml.results`, `ml.errors`).
"""
