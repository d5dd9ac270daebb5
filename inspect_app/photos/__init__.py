"""Photos: content-checked ingest (decode, orient, strip metadata, re-encode) and storage backends.

Pure Python on Pillow and pillow-heif; the Flask views wrap ``ingest.ingest`` and a
``storage.Storage`` and never store what the user uploaded as-is.
"""
