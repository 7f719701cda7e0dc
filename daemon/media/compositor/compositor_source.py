# One decoded source: RTP from mediasoup in, pictures out to a tee with one branch per canvas.
import time

from gi.repository import GLib, Gst

from compositor_base import DIAG, make


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
