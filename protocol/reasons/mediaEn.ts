// English templates of the error details of the media layer (daemon/media: relays, mixer, media plane, codecs, SRTP, compositor, program feed, live outputs).
// Part of REASONS_EN (../reasonsEn.ts); the same rules hold: add a key rather than reword an old one.
// A {why} is the text of a lower failure (mediasoup, the OS, a child process): it is passed on as it is.
export const MEDIA_REASONS_EN = {
  // a media kind as a parameter ({kind} below): a client translates the word by these two
  'media.kind.audio': 'audio',
  'media.kind.video': 'video',

  // call legs (SipMediaLeg, LegTrack) and the SDP they were given
  'media.legNoPorts': 'leg {leg} has no {kind} ports but the SDP has a {kind} m-line',
  'media.codecNotMixed': 'audio codec {codec} is not one the bridge mixes ({known})',
  'media.legNoKind': 'leg {leg} has no {kind}',
  'media.legAudioOnPlane': 'leg {leg} carries its audio on the media plane: mix it there',
  'media.legClosed': 'leg {leg} is closed',
  'media.legTransport': 'cannot create the {kind} transport of leg {leg}: {why}',
  'media.legUnchosen': 'leg {leg}: setRemote() before choosing what it receives',
  'media.legCannotReceive': 'leg {leg} cannot receive producer {producer} in {codec}: {why}',

  // codecs the router and the mixer carry (mediaCodecs, codecs/)
  'media.cannotCarry': 'the media layer cannot carry {kind} codec {codec}/{rate}',
  'media.routerNoVideoCodec': 'the router has no {key} video codec',
  'media.producerNoCodec': 'producer {producer} has no codec',
  'media.routerNoCodec': 'the router has no codec for producer {producer} ({mime})',
  'media.notVideo': 'producer {producer} is not VP8/H.264 video',
  'media.mixerNoCodec': 'the mixer has no {codec} codec',
  'media.g722Lib': 'G.722 needs libspandsp.so.2 (Debian package libspandsp2): {why}',

  // SRTP (srtp/libsrtp)
  'media.srtpLib': 'SRTP needs libsrtp2.so.1 (Debian package libsrtp2-1): {why}',
  'media.srtpInit': 'srtp_init failed (libsrtp status {status})',
  'media.srtpKeyLength': '{suite} needs a {bytes}-byte key and salt, got {got} bytes',
  'media.srtpCreate': 'srtp_create failed for {suite} (libsrtp status {status})',

  // DTMF sent to a room (DtmfSender, plane/PlaneRelay)
  'media.notDtmf': 'not a DTMF string: {digits}',
  'media.noTelephoneEvent': 'the room did not negotiate telephone-event (RFC 4733); send DTMF by SIP INFO instead',

  // the audio mixer (MixCore, AudioMixer, plane/PlaneMixer)
  'media.mixerClosed': 'the mixer is closed',
  'media.mixerHasSource': 'mixer source {id} already present',
  'media.mixerNoSource': 'no mixer source {id}',
  'media.legNoMixAudio': 'leg {leg} has no negotiated audio to mix',
  'media.mixerNoRouter': 'the mixer was created without a router',

  // relay ports (RelayPortPool) and mediasoup workers (WorkerPool)
  'media.relayPortsNoPair': 'media.relayPorts {min}-{max} holds no even/odd port pair',
  'media.noPortPair': 'could not find an RTP/RTCP port pair on {address}',
  'media.relayPortsFull': 'no free RTP relay port pair in {min}-{max} (media.relayPorts)',
  'media.bindRelay': 'cannot bind RTP relay port {port} on {address}: {why}',
  'media.rtpPortsSmall': 'media.rtpPorts {min}-{max} is too small for {n} workers',
  'media.noWorkerStarted': 'no mediasoup worker could start: {why}',
  'media.poolClosed': 'the worker pool is closed',
  'media.noLiveWorker': 'no live mediasoup worker',
  'media.routerFailed': 'cannot create a router for conference {id}: {why}',

  // views and browsers (VideoView, BrowserLink)
  'media.viewFailed': 'cannot set up the video view: {why}',
  'media.noViewTarget': 'no view target {id}',
  'media.browserSetup': "cannot set up the browser's media: {why}",
  'media.produceOnReceive': 'produce on the receive transport',
  'media.browserSends': 'this browser already sends {kind}',
  'media.browserTake': "the bridge cannot take this browser's {kind}: {why}",
  'media.browserGone': 'this connection closed while the browser was starting to send',
  'media.noTransport': 'no transport {id} on this connection',

  // the media plane: relays and mixers on a worker thread (plane/); its errors cross the thread as
  // text, so the worker says one it has no template for with media.plane.failed
  'media.plane.closed': 'the media plane is closed',
  'media.plane.noAnswer': 'the media plane did not answer {op} within {ms} ms',
  'media.plane.cannotStart': 'the media plane worker cannot start: {why}',
  'media.plane.restarting': 'the media plane failed; it is being restarted',
  'media.plane.failed': 'the media plane could not do {op}: {why}',
  'media.plane.noRelay': 'the media plane has no relay {rid}',
  'media.plane.noMixer': 'the media plane has no mixer {mid}',
  'media.plane.bindRelay': 'the media plane cannot bind relay port {port} on {address}: {why}',
  'media.plane.bindInternal': 'the media plane cannot bind its internal port: {why}',
  'media.plane.legNotOnPlane': 'leg {leg} does not carry its audio on the media plane',
  'media.plane.noSsrc': "no SSRC on the mixer's consumer of {id}",
  'media.noMessage': 'no message',

  // the multi-picture compositor (compositor/: its GStreamer process, fonts, layouts)
  'media.comp.restarting': 'the compositor process is restarting',
  'media.comp.cannotStart': 'the compositor cannot start: {why}',
  'media.comp.cannotStartWhy': 'cannot start the compositor: {why}',
  'media.comp.stoppedStarting': 'the compositor was stopped while starting',
  'media.comp.closed': 'the compositor is closed',
  'media.comp.controllerMissing': 'the compositor controller {file} is missing (looked in {paths})',
  'media.comp.noBindings':
    "the compositor needs GStreamer's Python bindings (Debian: python3-gi gir1.2-gstreamer-1.0): {why}",
  'media.comp.noBindingsBare':
    "the compositor needs GStreamer's Python bindings (Debian: python3-gi gir1.2-gstreamer-1.0)",
  'media.comp.elementsMissing':
    'GStreamer elements missing for the compositor: {missing} (Debian: gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x)',
  'media.comp.exited': 'the compositor process exited ({how})',
  'media.comp.notRunning': 'the compositor process is not running',
  'media.comp.noAnswer': 'the compositor did not answer "{op}" within {ms} ms',
  'media.comp.startTimeout': 'the compositor did not start within {s} s: {output}',
  'media.comp.startTimeoutBare': 'the compositor did not start within {s} s',
  'media.comp.exitedAtStart': 'the compositor exited at start: {output}',
  'media.comp.exitedAtStartBare': 'the compositor exited at start',
  'media.comp.said': 'compositor: {error}',
  'media.comp.noCjkFont':
    'no CJK font for the site names in multi-picture layouts: install {packages} (fontconfig finds none for :lang=zh)',

  // the program feed (program/): what recording and live outputs tap, its encoder and the recorder
  'media.prog.closed': 'the conference media is closed',
  'media.prog.unavailable': 'the program feed is not available',
  'media.prog.notRebuilt': 'the media worker died and the conference was not rebuilt in time',
  'media.prog.cannotStart': 'cannot start the program feed: {why}',
  'media.prog.noOpus': 'the router has no Opus codec',
  'media.prog.encoderEnded': 'the program encoder ended while a reader joined',
  'media.prog.encoderFailed': 'cannot start the program encoder: {why}',
  'media.prog.noPortPair': 'no free UDP port pair on {address} for the program feed',
  'media.prog.tapFailed': 'cannot tap the program feed: {why}',
  'media.prog.noFfmpeg': 'recording needs ffmpeg (Debian: apt-get install ffmpeg)',
  'media.prog.ffmpegExited': 'ffmpeg exited ({how}): {output}',

  // live outputs (live/): the RTMP URL an operator gives, and why an output's ffmpeg ended
  'media.live.urlEmpty': 'the RTMP URL is empty',
  'media.live.urlLong': 'the RTMP URL is longer than {max} characters',
  'media.live.urlSpaces': 'the RTMP URL contains spaces or control characters',
  'media.live.notUrl': '"{url}" is not a URL; give rtmp://host[:port]/app/streamkey',
  'media.live.scheme': 'the RTMP URL must start with rtmp:// or rtmps://, got {scheme}://',
  'media.live.noHost': 'the RTMP URL has no host',
  'media.live.invalidUrl': '(invalid URL)',
  'media.live.noApp': 'the RTMP URL has no application path (rtmp://host/app/key)',
  'media.live.exited': 'ffmpeg exited with {code}: {output}',
  'media.live.killed': 'ffmpeg killed by {signal}: {output}',
  'media.live.noOutput': 'no output',
  'media.live.stalled': 'no frame written in {s} s',
} as const;
