# Shared by the compositor's modules: GStreamer set up once, the limits, and the JSON-lines output.
import json
import os
import sys
import threading

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstVideo', '1.0')
from gi.repository import Gst  # noqa: E402

Gst.init(None)


# A source without a decoded frame for this long shows its placeholder. A busy machine starves the
# whole process for a second now and then: a shorter time made good panes blink dark.
STALL_S = 2.0
WATCH_MS = 250
MAX_LABELS = 26  # 25 panes + the banner
# A site's name is never drawn smaller: OCR of what a CIF room decoded misread 14 px names in a 3x3
# (tests/integration/compositor-cif-ocr.test.ts), while a person reads what OCR reads.
MIN_LABEL_PX = 18
# How much textoverlay darkens the picture behind a label (its default 80 left white names on a bright
# yellow or green picture hard to read).
LABEL_SHADING = 170
# A new canvas's frame this far behind the pipeline's running time is part of its start-up catch-up.
STALE_NS = 500 * 1000000
# ...and only this soon after the canvas was made (the burst is over in well under a second).
CATCH_UP_S = 2.0
# VCBRIDGE_COMPOSITOR_DIAG=1: every source's and canvas's counters and states every 2 s (a 'diag' event)
DIAG = os.environ.get('VCBRIDGE_COMPOSITOR_DIAG') == '1'
DIAG_EVERY = 8  # watch rounds
# VCBRIDGE_COMPOSITOR_TEST=1: the test_* commands (faults injected by tests/integration/compositor-branches)
TEST_OPS = os.environ.get('VCBRIDGE_COMPOSITOR_TEST') == '1'

out_lock = threading.Lock()


def emit(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + '\n')
        sys.stdout.flush()


def make(factory, **props):
    e = Gst.ElementFactory.make(factory, None)
    if e is None:
        raise RuntimeError('GStreamer element %s is missing' % factory)
    for k, v in props.items():
        e.set_property(k.replace('_', '-'), v)
    return e
