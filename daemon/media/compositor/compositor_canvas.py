# One output picture: a compositor of the sources' branches, labels, an encoder and a payloader.
import threading
import time

from gi.repository import GLib, Gst, GstVideo

from compositor_base import CATCH_UP_S, LABEL_SHADING, MAX_LABELS, MIN_LABEL_PX, STALE_NS, make


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
        # white text with a dark outline on a darkened backing: legible on any picture
        self.labels = [make('textoverlay', text='', auto_resize=False, shaded_background=True,
                            shading_value=LABEL_SHADING, draw_outline=True,
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
        if 'continue_seq' in o:
            # made again (Controller.remake_canvas): the stream goes on where the old one stopped; a
            # random new sequence would look to the rooms like packets from far in the past
            pay.set_property('seqnum-offset', (int(o['continue_seq']) + 1) & 0xffff)
            pay.set_property('timestamp-offset', int(o['continue_ts_offset']))
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
        def label_width(text):
            return max(1.0, sum(1.0 if ord(c) >= 0x2e80 else 0.6 for c in text))

        i = 0
        for p in self.panes:
            if i >= MAX_LABELS - 1:
                break
            n = i
            i += 1
            label = p.get('label') or ''
            src = self.ctl.sources.get(p.get('source') or '')
            placeholder = src is None or not src.live
            # the font follows the pane (about 1/7 of its height, a placeholder's name 1/5), never below
            # MIN_LABEL_PX (what a CIF room's 3x3 needs) nor wider than the pane (CJK glyphs are square,
            # Latin ones about half as wide)
            px = max(MIN_LABEL_PX, min(40, int(p['h'] / (5 if placeholder else 7))))
            px = max(10, min(px, int((p['w'] - 8) / label_width(label))))
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
