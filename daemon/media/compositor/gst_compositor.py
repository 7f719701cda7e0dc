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
import faulthandler
import json
import os
import signal
import sys
import threading
import time

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstVideo', '1.0')
from gi.repository import GLib, Gst, GstVideo  # noqa: E402

Gst.init(None)
# SIGUSR1 prints every thread's Python stack to stderr: the daemon sends it before killing a stuck process
faulthandler.register(signal.SIGUSR1, all_threads=True)

# A source without a decoded frame for this long shows its placeholder. A busy machine starves the
# whole process for a second now and then: a shorter time made good panes blink dark.
STALL_S = 2.0
WATCH_MS = 250
MAX_LABELS = 26  # 25 panes + the banner
MIN_LABEL_PX = 14
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


class Source:
    def __init__(self, ctl, sid, codec, pt):
        self.ctl = ctl
        self.id = sid
        self.codec = codec
        self.last = 0.0
        self.live = False
        self.frames = 0
        enc = 'VP8' if codec == 'VP8' else 'H264'
        caps = Gst.Caps.from_string(
            'application/x-rtp,media=video,clock-rate=90000,encoding-name=%s,payload=%d' % (enc, pt))
        self.udp = make('udpsrc', address='127.0.0.1', port=0, caps=caps, buffer_size=1 << 20)
        jb = make('rtpjitterbuffer', latency=60, drop_on_latency=True)
        self.jb = jb
        self.lost = 0
        # max-errors -1: a source sending garbage must not stop its decoder for good (it shows its
        # placeholder until pictures decode again)
        if codec == 'VP8':
            chain = [make('rtpvp8depay'), make('vp8dec', threads=1, max_errors=-1)]
        else:
            chain = [make('rtph264depay'), make('h264parse'), make('avdec_h264', max_threads=1, max_errors=-1, output_corrupt=False)]
        self.conv = make('videoconvert')
        self.tee = make('tee', allow_not_linked=True)
        self.elements = [self.udp, jb] + chain + [self.conv, self.tee]
        for e in self.elements:
            ctl.pipeline.add(e)
        for a, b in zip(self.elements, self.elements[1:]):
            if not a.link(b):
                raise RuntimeError('cannot link %s' % a.get_name())
        # every decoded picture passes here (a few microseconds of Python per frame): liveness must
        # not depend on the main loop being scheduled
        self.conv.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, self._on_frame)
        self.packets = 0
        self.keyframes = 0
        self.udp.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, self._on_packet)
        self.dec = chain[-1]
        self.dec.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, self._on_coded)
        # downstream first: an element pushing into a neighbour not yet PLAYING is answered FLUSHING
        # and its thread pauses for good (see Canvas)
        for e in reversed(self.elements):
            e.sync_state_with_parent()
        self.pads = {}  # canvas id -> compositor sink pad
        self.branch_frames = {}  # canvas id -> pictures passed to it (diagnostics)
        self.restarts = 0

    def port(self):
        return self.udp.get_property('port')

    def _on_frame(self, pad, info):
        # A decoded picture is stamped with the moment it is ready: the compositor takes it as the
        # current one, whatever the sender's clock did. With the jitter buffer's timestamps, a busy
        # machine made its skew estimate reset and jump; frames then reached the compositor "late"
        # and were dropped there, and the pane stayed dark while the source decoded fine.
        now = self.conv.get_current_running_time()
        if now != Gst.CLOCK_TIME_NONE:
            buf = info.get_buffer()
            buf.pts = now
            buf.dts = Gst.CLOCK_TIME_NONE
        self.last = time.monotonic()
        self.frames += 1
        if not self.live:
            self.live = True
            GLib.idle_add(self.ctl.source_state, self)
        return Gst.PadProbeReturn.OK

    def _on_packet(self, pad, info):
        self.packets += 1
        return Gst.PadProbeReturn.OK

    def _on_coded(self, pad, info):
        if not info.get_buffer().has_flags(Gst.BufferFlags.DELTA_UNIT):
            self.keyframes += 1
        return Gst.PadProbeReturn.OK

    def lost_since(self):
        """Packets the jitter buffer gave up on since the last call."""
        st = self.jb.get_property('stats')
        lost = st.get_value('num-lost') + st.get_value('num-late')
        n, self.lost = lost - self.lost, lost
        return n

    def diag(self, full=False):
        st = self.jb.get_property('stats')
        d = {'frames': self.frames, 'packets': st.get_value('num-pushed'),
             'lost': st.get_value('num-lost'), 'late': st.get_value('num-late'),
             'udp': self.packets, 'keyframes': self.keyframes, 'restarts': self.restarts}
        if full:
            d['live'] = self.live
            d['idle_s'] = round(time.monotonic() - self.last, 1) if self.last else None
            d['states'] = {e.get_name(): e.get_state(0)[1].value_nick for e in self.elements
                           if e.get_state(0)[1] != Gst.State.PLAYING}
            d['pads'] = {cid: {'alpha': pad.get_property('alpha'), 'in': self.branch_frames.get(cid, 0),
                               'rect': [pad.get_property(k) for k in ('xpos', 'ypos', 'width', 'height')]}
                         for cid, (pad, _q, _t) in self.pads.items()}
        return d

    def link(self, canvas):
        pad = canvas.comp.request_pad_simple('sink_%u')
        pad.set_property('alpha', 0.0)
        pad.set_property('zorder', 1)
        try:
            pad.set_property('sizing-policy', 1)  # keep-aspect-ratio
        except TypeError:
            pass
        # bilinear scaling without dithering: panes are small, and the default (cubic) costs more CPU
        pad.set_property('converter-config', Gst.Structure.new_from_string(
            'config, GstVideoConverter.resampler-method=(GstVideoResamplerMethod)linear, '
            'GstVideoConverter.chroma-resampler-method=(GstVideoResamplerMethod)linear, '
            'GstVideoConverter.dither=(GstVideoDitherMethod)none'))
        q = make('queue', max_size_buffers=2, leaky=2)
        self.ctl.pipeline.add(q)
        q.get_static_pad('src').link(pad)
        if DIAG:
            cid = canvas.id
            self.branch_frames.setdefault(cid, 0)

            def count(_pad, _info):
                self.branch_frames[cid] = self.branch_frames.get(cid, 0) + 1
                return Gst.PadProbeReturn.OK
            q.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, count)
        # The new branch runs before the tee may push into it. A queue not yet PLAYING answers a push
        # with FLUSHING, the tee passes that up, and the source's jitter-buffer and udpsrc threads
        # pause for good (nothing posted, every element still PLAYING): a busy machine preempted
        # the main loop between the two steps and a good source's pane stayed dark for the meeting.
        q.sync_state_with_parent()
        if self.ctl.link_delay:
            time.sleep(self.ctl.link_delay)  # tests: the main loop preempted here
        tpad = self.tee.request_pad_simple('src_%u')
        tpad.link(q.get_static_pad('sink'))
        self.pads[canvas.id] = (pad, q, tpad)

    def detach(self, canvas, done=None):
        """Stop feeding a canvas: the tee's branch is cut when the tee is idle (never mid-push), the
        queue and the compositor pad are released from the main loop afterwards, then done()."""
        entry = self.pads.pop(canvas.id, None)
        self.branch_frames.pop(canvas.id, None)
        if entry is None:
            if done:
                done()
            return
        pad, q, tpad = entry

        def teardown():
            # the compositor's pad first: a queue blocked pushing into a compositor that stopped
            # taking pictures holds its stream lock until that pad flushes, and the queue's stop
            # would wait for it for ever (the whole controller hung)
            canvas.comp.release_request_pad(pad)
            q.set_state(Gst.State.NULL)
            self.ctl.pipeline.remove(q)
            if done:
                done()
            return False

        def on_idle(_pad, _info):
            tpad.unlink(q.get_static_pad('sink'))
            self.tee.release_request_pad(tpad)
            GLib.idle_add(teardown)
            return Gst.PadProbeReturn.REMOVE

        tpad.add_probe(Gst.PadProbeType.IDLE, on_idle)

    def stopped(self):
        """True when the branch's streaming threads paused on a flow error (FLUSHING, NOT_LINKED...):
        they do not start again by themselves, whatever arrives."""
        paused = Gst.TaskState.PAUSED
        return (self.udp.get_static_pad('src').get_task_state() == paused
                or self.jb.get_static_pad('src').get_task_state() == paused)

    def restart(self):
        """Start a stopped branch again: every element through READY (pads reactivated, the flow
        errors forgotten; the udpsrc keeps its socket and port), downstream first."""
        for e in self.elements:
            e.set_state(Gst.State.READY)
        for _pad, q, _tpad in self.pads.values():
            q.set_state(Gst.State.READY)
            q.sync_state_with_parent()
        for e in reversed(self.elements):
            e.sync_state_with_parent()
        self.restarts += 1

    def remove(self):
        # stop this branch's threads first: then nothing is pushed while it is cut off
        for e in self.elements:
            e.set_state(Gst.State.NULL)
        for cid in list(self.pads):
            self.detach(self.ctl.canvases[cid])

        def drop():
            for e in self.elements:
                self.ctl.pipeline.remove(e)
            return False
        GLib.idle_add(drop)


class Canvas:
    def __init__(self, ctl, cid, o):
        self.ctl = ctl
        self.id = cid
        self.o = o
        self.w, self.h, fps = int(o['width']), int(o['height']), int(o['fps'])
        self.codec = o['codec']
        self.font = o['font']
        self.panes = []
        self.banner = None
        self.scene = None  # the last scene command, to make the canvas again (Controller.remake_canvas)
        raw = 'video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1' % (self.w, self.h, fps)
        bg = make('videotestsrc', is_live=True, pattern='solid-color', foreground_color=0xff1c2026)
        bgcaps = make('capsfilter', caps=Gst.Caps.from_string(raw))
        self.comp = make('compositor', background='black', latency=40 * 1000000)
        outcaps = make('capsfilter', caps=Gst.Caps.from_string(raw))
        self.outcaps = outcaps
        self.labels = [make('textoverlay', text='', auto_resize=False, shaded_background=True,
                            halignment='position', valignment='position', wait_text=False,
                            font_desc='%s 12' % self.font) for _ in range(MAX_LABELS)]
        conv = make('videoconvert')
        q = make('queue', max_size_buffers=2, leaky=2)
        kbps = int(o.get('kbps', 1500))
        if self.codec == 'VP8':
            self.enc = make('vp8enc', deadline=1, cpu_used=16, threads=1, target_bitrate=kbps * 1000,
                            keyframe_max_dist=fps * 3, end_usage='cbr', error_resilient='default',
                            lag_in_frames=0)
            pay = make('rtpvp8pay', pt=int(o['pt']), ssrc=int(o['ssrc']), mtu=1200,
                       picture_id_mode='15-bit')
        else:
            opts = 'repeat-headers=1'
            if self.codec == 'H264/0':
                opts += ':slice-max-size=1100'  # single-NAL mode: every NAL must fit one packet
            self.enc = make('x264enc', tune='zerolatency', speed_preset='ultrafast', bitrate=kbps,
                            key_int_max=fps * 2, threads=1, option_string=opts)
            prof = make('capsfilter', caps=Gst.Caps.from_string(
                'video/x-h264,profile=constrained-baseline,stream-format=byte-stream'))
            pay = make('rtph264pay', pt=int(o['pt']), ssrc=int(o['ssrc']), mtu=1200, config_interval=-1,
                       aggregate_mode='none')
        self.pay = pay
        sink = make('udpsink', host='127.0.0.1', port=int(o['port']), sync=False)
        sink.set_property('async', False)
        chain = [self.comp, outcaps] + self.labels + [conv, q, self.enc]
        if self.codec != 'VP8':
            chain.append(prof)
        chain += [pay, sink]
        self.elements = [bg, bgcaps] + chain
        for e in self.elements:
            ctl.pipeline.add(e)
        bg.link(bgcaps)
        bgpad = self.comp.request_pad_simple('sink_%u')
        bgpad.set_property('zorder', 0)
        bgcaps.get_static_pad('src').link(bgpad)
        for a, b in zip(chain, chain[1:]):
            if not a.link(b):
                raise RuntimeError('cannot link %s -> %s' % (a.get_name(), b.get_name()))
        # A live source added to a running pipeline starts at running time 0 and catches up at once:
        # the new canvas's first frames come in a burst whose timestamps span the pipeline's age.
        # Encoded, they made the canvas's RTP timestamps leap seconds ahead of the clock (a recording
        # of it ran long: issue #16). Those stale frames are dropped, until the first one on time, and
        # only just after the start: a starved machine's frames may all run late, and must still go out.
        self.created = time.monotonic()
        self.comp.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, self._drop_catch_up)
        self.frames = 0
        # keyframes made on request (a room's PLI/FIR/SIP INFO, a new scene): the encoder announces
        # each with a downstream force-key-unit event just before it
        self.forced = 0
        self.enc.get_static_pad('src').add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, self._on_enc_event)
        # label changes wait for the canvas's own streaming thread (applied between two frames):
        # textoverlay's Pango layout set from the main loop while the thread draws it crashed the
        # process (SIGSEGV, "PangoLayout changed since PangoLayoutIter was created")
        self.label_lock = threading.Lock()
        self.label_changes = {}
        self.label_probe = False
        # downstream first. The other way round, a busy machine that preempted this loop between the
        # compositor and the element after it let the compositor push its first picture into an element
        # not yet PLAYING: answered FLUSHING, its thread paused for good and the canvas sent nothing for
        # the rest of the meeting (and removing it later hung the controller: see remove())
        for e in reversed(self.elements):
            e.sync_state_with_parent()
            if e is self.comp and ctl.state_delay:
                time.sleep(ctl.state_delay)  # tests: the main loop preempted here

    def _drop_catch_up(self, pad, info):
        now = self.comp.get_current_running_time()
        pts = info.get_buffer().pts
        if (now == Gst.CLOCK_TIME_NONE or pts == Gst.CLOCK_TIME_NONE or pts + STALE_NS >= now
                or time.monotonic() - self.created > CATCH_UP_S):
            return Gst.PadProbeReturn.REMOVE
        return Gst.PadProbeReturn.DROP

    def _on_enc_event(self, pad, info):
        if GstVideo.video_event_is_force_key_unit(info.get_event()):
            self.forced += 1
        return Gst.PadProbeReturn.OK

    def set_label(self, i, prop, value):
        with self.label_lock:
            self.label_changes[(i, prop)] = value
            if not self.label_probe:
                self.label_probe = True
                self.labels[0].get_static_pad('video_sink').add_probe(Gst.PadProbeType.BUFFER, self._apply_labels)

    def _apply_labels(self, pad, info):
        with self.label_lock:
            changes = list(self.label_changes.items())
            self.label_changes.clear()
            self.label_probe = False
        for (i, prop), value in changes:
            self.labels[i].set_property(prop, value)
        return Gst.PadProbeReturn.REMOVE

    def stopped(self):
        """True when the compositor's thread paused on a flow error: the canvas sends nothing any more."""
        return self.comp.get_static_pad('src').get_task_state() == Gst.TaskState.PAUSED

    def frames_out(self):
        # the encoder's input queue counts nothing; ask the payloader how far it got instead
        return self.pay.get_property('stats').get_value('seqnum') if self.pay else 0

    def keyframe(self):
        ev = GstVideo.video_event_new_upstream_force_key_unit(Gst.CLOCK_TIME_NONE, True, 0)
        self.enc.get_static_pad('src').send_event(ev)

    def apply(self, scene):
        """scene: {panes:[{x,y,w,h,source|null,label,big}], banner: str|null}"""
        self.scene = scene
        self.panes = scene['panes']
        shown = {}
        for p in self.panes:
            if p.get('source'):
                shown[p['source']] = p
        for sid, src in self.ctl.sources.items():
            entry = src.pads.get(self.id)
            if entry is None:
                continue
            pad = entry[0]
            p = shown.get(sid)
            if p is None:
                pad.set_property('alpha', 0.0)
                continue
            pad.set_property('xpos', int(p['x']))
            pad.set_property('ypos', int(p['y']))
            pad.set_property('width', int(p['w']))
            pad.set_property('height', int(p['h']))
            pad.set_property('alpha', 1.0 if src.live else 0.0)
        self.draw_labels(scene.get('banner'))

    def refresh_alpha(self):
        shown = {p['source'] for p in self.panes if p.get('source')}
        for sid, src in self.ctl.sources.items():
            entry = src.pads.get(self.id)
            if entry is not None:
                entry[0].set_property('alpha', 1.0 if (sid in shown and src.live) else 0.0)

    def draw_labels(self, banner):
        i = 0
        for p in self.panes:
            if i >= MAX_LABELS - 1:
                break
            n = i
            i += 1
            label = p.get('label') or ''
            src = self.ctl.sources.get(p.get('source') or '')
            placeholder = src is None or not src.live
            # the font follows the pane: about 1/9 of its height, never below what a CIF room needs
            # (a CJK glyph is about as tall as the font's pixel size: 14 rows in a CIF 4x4's 72-row
            # pane, on textoverlay's shaded backing; 11 px was hard to read on a room display)
            px = max(MIN_LABEL_PX, min(40, int(p['h'] / (6 if placeholder else 9))))
            self.set_label(n, 'font-desc', '%s %dpx' % (self.font, px))
            self.set_label(n, 'text', label)
            self.set_label(n, 'xpos', (p['x'] + p['w'] / 2) / self.w)
            if placeholder:
                self.set_label(n, 'ypos', (p['y'] + p['h'] / 2) / self.h)
            else:
                self.set_label(n, 'ypos', min(1.0, (p['y'] + p['h'] - px * 0.8 - 2) / self.h))
        for n in range(i, MAX_LABELS - 1):
            self.set_label(n, 'text', '')
        b = MAX_LABELS - 1
        self.set_label(b, 'text', banner or '')
        if banner:
            px = max(MIN_LABEL_PX, int(self.h / 20))
            self.set_label(b, 'font-desc', '%s %dpx' % (self.font, px))
            self.set_label(b, 'xpos', 0.5)
            self.set_label(b, 'ypos', 0.0)

    def remove(self):
        # the canvas's elements stop only once every source's branch into it is cut: a branch still
        # linked to a stopped compositor answers the tee with FLUSHING and stops that source
        fed = [src for src in self.ctl.sources.values() if self.id in src.pads]
        left = [len(fed)]

        def drop():
            # the compositor first: its pads flush, which frees the background source if it is blocked
            # pushing into a compositor that stopped taking pictures (its stop would wait for ever)
            self.comp.set_state(Gst.State.NULL)
            for e in self.elements:
                e.set_state(Gst.State.NULL)
                self.ctl.pipeline.remove(e)
            return False

        def one_done():
            left[0] -= 1
            if left[0] == 0:
                GLib.idle_add(drop)

        if not fed:
            GLib.idle_add(drop)
        for src in fed:
            src.detach(self, one_done)


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
        self.op_remove_canvas({'canvas': old.id})
        self.op_add_canvas(dict(old.o, canvas=old.id))
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
