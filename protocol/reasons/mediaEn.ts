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
} as const;
