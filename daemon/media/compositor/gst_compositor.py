#!/usr/bin/env python3
# vcbridge compositor: one GStreamer pipeline, driven by the daemon through JSON lines on stdin
# (commands) and stdout (replies and events). Why a controller at all: a gst-launch line cannot
# change a compositor pad's position or size at run time; through the bindings every layout change
# is a property change on live pads: no restart, no broken frames.
#
#   source: udpsrc -> rtpjitterbuffer -> depay -> parse -> decoder -> videoconvert -> tee
#   canvas: background (live, dark) + one compositor pad per source -> labels (textoverlay chain)
#           -> encoder -> payloader -> udpsink (a mediasoup PlainTransport)
#
# A source is decoded once and feeds every canvas (one canvas per layout and output class). A source
# that is off screen everywhere gets no packets (the daemon pauses its consumer): it costs nothing.
# Commands: {"id":n,"op":...}; replies {"re":n,"ok":true,...} or {"re":n,"error":"..."}.
# Events: {"ev":"ready"}, {"ev":"source","id":..,"live":bool} (first decoded frame / stalled),
# {"ev":"needkey","id":..} (packets were lost: the decoder shows nothing until the next keyframe).
import sys

sys.dont_write_bytecode = True  # run from the source tree or a read-only install: no __pycache__ beside it

import faulthandler  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

# compositor_base first: it picks the GStreamer version and initialises it
from compositor_base import DIAG, DIAG_EVERY, STALL_S, TEST_OPS, WATCH_MS, emit  # noqa: E402
from gi.repository import GLib, Gst  # noqa: E402
from compositor_canvas import Canvas  # noqa: E402
from compositor_source import Source  # noqa: E402

# SIGUSR1 prints every thread's Python stack to stderr: the daemon sends it before killing a stuck process
faulthandler.register(signal.SIGUSR1, all_threads=True)


class Controller:
    def __init__(self):
        self.pipeline = Gst.Pipeline.new('vcbridge-compositor')
        self.sources = {}
        self.canvases = {}
        self.loop = GLib.MainLoop()
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect('message::error', self._on_error)
        bus.connect('message::warning', self._on_warning)
        # keep a clock running even with no canvas yet
        self.pipeline.set_state(Gst.State.PLAYING)
        self.watched = time.monotonic()
        self.rounds = 0
        self.link_delay = 0.0
        self.state_delay = 0.0
        self.canvas_restarts = 0
        GLib.timeout_add(WATCH_MS, self._watch)

    def _on_error(self, bus, msg):
        err, dbg = msg.parse_error()
        name = msg.src.get_name() if msg.src else '?'
        emit({'ev': 'error', 'element': name, 'message': err.message})
        # a decoder choking on garbage must not stop the others: only the pipeline's own error is fatal
        if isinstance(msg.src, Gst.Pipeline):
            self.loop.quit()

    def _on_warning(self, bus, msg):
        err, dbg = msg.parse_warning()
        emit({'ev': 'warning', 'element': msg.src.get_name() if msg.src else '?', 'message': err.message})

    def _watch(self):
        now = time.monotonic()
        # the main loop itself came late: the whole process was starved, not one source; judge
        # the sources on the next round
        gap = now - self.watched
        starved = gap > 4 * WATCH_MS / 1000
        self.watched = now
        # no source decoded anything lately: more likely the machine than every sender at once; wait
        # longer before blanking them all (a frozen picture for a moment rather than a blink)
        latest = max((src.last for src in self.sources.values()), default=0.0)
        stall = STALL_S if now - latest < STALL_S else 3 * STALL_S
        for src in self.sources.values():
            if src.stopped():
                # should not happen any more (see Source.link); if it does, the pane must not stay dark
                emit({'ev': 'restarted', 'id': src.id, 'diag': src.diag()})
                src.restart()
                emit({'ev': 'needkey', 'id': src.id})
                continue
            if src.lost_since() > 0:
                emit({'ev': 'needkey', 'id': src.id})
            if src.live and not starved and now - src.last > stall:
                src.live = False
                self.source_state(src)
        for canvas in list(self.canvases.values()):
            if canvas.stopped():
                # should not happen any more (see Canvas); if it does, the rooms must not keep a frozen picture
                emit({'ev': 'canvas_restarted', 'id': canvas.id})
                self.remake_canvas(canvas)
        self.rounds += 1
        if DIAG and self.rounds % DIAG_EVERY == 0:
            emit({'ev': 'diag', 'late_s': round(gap, 2),
                  'sources': {s.id: s.diag(True) for s in self.sources.values()},
                  'canvases': {c.id: {'out': c.frames_out(), 'state': c.comp.get_state(0)[1].value_nick}
                               for c in self.canvases.values()}})
        return True

    def source_state(self, src):
        for c in self.canvases.values():
            c.refresh_alpha()
            c.draw_labels(c.banner)
        emit({'ev': 'source', 'id': src.id, 'live': src.live, 'diag': src.diag()})
        return False

    def remake_canvas(self, old):
        """The same canvas again (same output port and SSRC, its last scene), its sources linked anew."""
        st = old.pay.get_property('stats')
        # same pipeline clock and base time: with the same timestamp offset the new stamps go on in step
        o = dict(old.o, canvas=old.id, continue_seq=st.get_value('seqnum'),
                 continue_ts_offset=st.get_value('timestamp-offset'))
        self.op_remove_canvas({'canvas': old.id})
        self.op_add_canvas(o)
        if old.scene is not None:
            self.op_scene(dict(old.scene, canvas=old.id, keyframe=True))
        self.canvas_restarts += 1

    # commands ---------------------------------------------------------------------------------
    def op_add_source(self, c):
        sid = c['source']
        if sid in self.sources:
            self.op_remove_source(c)
        src = Source(self, sid, c['codec'], int(c['pt']))
        self.sources[sid] = src
        for canvas in self.canvases.values():
            src.link(canvas)
            canvas.refresh_alpha()
        # the new branch adds jitter-buffer and decoder latency: the compositors must wait for it
        self.pipeline.recalculate_latency()
        return {'port': src.port()}

    def op_remove_source(self, c):
        src = self.sources.pop(c['source'], None)
        if src:
            src.remove()
        return {}

    def op_add_canvas(self, c):
        cid = c['canvas']
        if cid in self.canvases:
            raise RuntimeError('canvas %s exists' % cid)
        canvas = Canvas(self, cid, c)
        self.canvases[cid] = canvas
        for src in self.sources.values():
            src.link(canvas)
        self.pipeline.recalculate_latency()
        return {}

    def op_remove_canvas(self, c):
        canvas = self.canvases.pop(c['canvas'], None)
        if canvas:
            canvas.remove()
        return {}

    def op_scene(self, c):
        canvas = self.canvases[c['canvas']]
        canvas.banner = c.get('banner')
        canvas.apply(c)
        if c.get('keyframe', True):
            canvas.keyframe()
        return {}

    def op_keyframe(self, c):
        self.canvases[c['canvas']].keyframe()
        return {}

    def op_test_link_delay(self, c):
        """Tests: sleep this long in the middle of linking a source to a canvas (a preempted main loop)."""
        self.link_delay = float(c['ms']) / 1000
        return {}

    def op_test_state_delay(self, c):
        """Tests: sleep this long just after a new canvas's compositor is set PLAYING (a preempted main loop)."""
        self.state_delay = float(c['ms']) / 1000
        return {}

    def op_test_stop_canvas(self, c):
        """Tests: the element after a canvas's compositor goes through NULL for a moment, as one not yet
        PLAYING was: the compositor's next picture is answered FLUSHING and its thread pauses."""
        after = self.canvases[c['canvas']].outcaps
        after.set_state(Gst.State.NULL)
        GLib.timeout_add(300, lambda: after.sync_state_with_parent() and False)
        return {}

    def op_test_stop_branch(self, c):
        """Tests: one branch of a source goes through NULL for a moment, as a not-yet-PLAYING queue did:
        the tee's next push into it is answered FLUSHING and the source's threads pause."""
        q = self.sources[c['source']].pads[c['canvas']][1]
        q.set_state(Gst.State.NULL)
        GLib.timeout_add(300, lambda: q.sync_state_with_parent() and False)
        return {}

    def op_ping(self, c):
        return {}

    def op_stats(self, c):
        return {'sources': {s.id: {'frames': s.frames, 'live': s.live, 'restarts': s.restarts,
                                   'branches': dict(s.branch_frames)}
                            for s in self.sources.values()},
                'canvases': {c.id: {'frames': c.frames_out(), 'forced_keyframes': c.forced}
                             for c in self.canvases.values()},
                'canvas_restarts': self.canvas_restarts}

    def handle(self, line):
        try:
            c = json.loads(line)
        except ValueError as e:
            emit({'ev': 'error', 'element': 'controller', 'message': 'bad command: %s' % e})
            return False
        try:
            op = str(c.get('op'))
            fn = getattr(self, 'op_' + op, None) if TEST_OPS or not op.startswith('test_') else None
            if fn is None:
                raise RuntimeError('unknown op %s' % c.get('op'))
            res = fn(c)
            res['re'] = c.get('id')
            res['ok'] = True
            emit(res)
        except Exception as e:  # noqa: BLE001 - every failure goes back to the daemon as a reply
            emit({'re': c.get('id'), 'error': '%s: %s' % (type(e).__name__, e)})
        return False

    def run(self):
        def reader():
            for line in sys.stdin:
                line = line.strip()
                if line:
                    GLib.idle_add(self.handle, line)
            GLib.idle_add(self.loop.quit)  # the daemon went away
        threading.Thread(target=reader, daemon=True).start()
        emit({'ev': 'ready', 'pid': __import__('os').getpid()})
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)


if __name__ == '__main__':
    Controller().run()
