// The join page's script (bundled with mediasoup-client into dist/web/page.js; no CDN). It takes the
// camera and microphone, connects to /join/ws with the invitation token, sends its media, receives
// every other participant's streams, and draws them (pageView.ts). A lost connection is retried with
// a growing pause; the codes in FINAL_CLOSE_CODES (bad link, removed, meeting over) end it.
import { Device, type types } from 'mediasoup-client';
import {
  FINAL_CLOSE_CODES,
  JOIN_CLOSE,
  PING_DEAD_S,
  type ClientMessage,
  type ConsumerInfo,
  type Requests,
  type ServerMessage,
  type Welcome,
} from './signalling.js';
import { refusalKindOfCode, refusalWords, type Words } from './messages.js';
import { PageView } from './pageView.js';

const token = new URLSearchParams(location.search).get('t') ?? '';
const view = new PageView();

interface Session {
  ws: WebSocket;
  device?: Device;
  send?: types.Transport;
  recv?: types.Transport;
  producers: Map<'audio' | 'video', types.Producer>;
  consumers: Map<string, { consumer: types.Consumer; sourceId: string }>;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  nextId: number;
  lastMessageAt: number;
  over: boolean;
}

let local: MediaStream | null = null;
let selfMuted = false;
let handRaised = false;
let session: Session | undefined;
let attempt = 0;
let joinedOnce = false;
let watchdog: number | undefined;

const CONNECTING: Words = { zh: '正在连接…', en: 'Connecting…' };
const CONNECTED: Words = { zh: '已连接', en: 'Connected' };

async function takeLocalMedia(): Promise<MediaStream | null> {
  if (!navigator.mediaDevices?.getUserMedia) {
    view.notice({
      zh: '此页面不是安全连接（需要 HTTPS），无法使用摄像头和麦克风，只能观看。',
      en: 'Not a secure (HTTPS) page: no camera or microphone, watching only.',
    });
    return null;
  }
  const video = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15, max: 25 } };
  for (const c of [
    { audio: true, video },
    { audio: true, video: false },
  ] as MediaStreamConstraints[]) {
    try {
      return await navigator.mediaDevices.getUserMedia(c);
    } catch (err) {
      console.warn('getUserMedia failed', c, err);
    }
  }
  view.notice({
    zh: '无法使用摄像头和麦克风（未授权或不存在），只能观看。',
    en: 'No camera or microphone (not allowed or not present): watching only.',
  });
  return null;
}

function request<M extends keyof Requests>(
  s: Session,
  method: M,
  params: Requests[M]['params'],
): Promise<Requests[M]['result']> {
  return new Promise((resolve, reject) => {
    if (s.over || s.ws.readyState !== WebSocket.OPEN) return reject(new Error('not connected'));
    const id = s.nextId++;
    s.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    s.ws.send(JSON.stringify({ id, method, params } as ClientMessage));
  });
}

function connect(): void {
  attempt++;
  view.status('warn', attempt > 1 ? { zh: '正在重新连接…', en: 'Reconnecting…' } : CONNECTING);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/join/ws?t=${encodeURIComponent(token)}`);
  const s: Session = {
    ws,
    producers: new Map(),
    consumers: new Map(),
    pending: new Map(),
    nextId: 1,
    lastMessageAt: Date.now(),
    over: false,
  };
  session = s;
  ws.onmessage = (ev) => {
    s.lastMessageAt = Date.now();
    let m: ServerMessage;
    try {
      m = JSON.parse(String(ev.data)) as ServerMessage;
    } catch (err) {
      console.warn('unreadable message from the bridge', err);
      return;
    }
    void onMessage(s, m).catch((err: unknown) => {
      console.error('handling a message failed', err);
      restart(s, 'setup failed');
    });
  };
  ws.onclose = (ev) => ended(s, ev.code, ev.reason);
  ws.onerror = () => console.warn('join socket error');
}

async function onMessage(s: Session, m: ServerMessage): Promise<void> {
  if ('id' in m) {
    const p = s.pending.get(m.id);
    s.pending.delete(m.id);
    if ('error' in m) p?.reject(new Error(`${m.error.code}: ${m.error.message}`));
    else p?.resolve(m.result);
    return;
  }
  switch (m.method) {
    case 'welcome':
      return setup(s, m.params);
    case 'consumer':
      return consume(s, m.params);
    case 'consumerClosed':
      return dropConsumer(s, m.params.consumerId);
    case 'roster':
      if (handRaised !== m.params.handRaised) {
        handRaised = m.params.handRaised;
        view.handButton(handRaised, toggleHand);
      }
      return view.roster(m.params);
    case 'ping':
      return;
  }
}

async function setup(s: Session, w: Welcome): Promise<void> {
  view.setSelf(w.participantId);
  const device = new Device();
  await device.load({ routerRtpCapabilities: w.routerRtpCapabilities });
  s.device = device;
  const send = device.createSendTransport({ ...w.send });
  const recv = device.createRecvTransport({ ...w.recv });
  s.send = send;
  s.recv = recv;
  for (const t of [send, recv]) {
    t.on('connect', ({ dtlsParameters }, ok, fail) => {
      request(s, 'connectTransport', { transportId: t.id, dtlsParameters }).then(() => ok(), fail);
    });
    t.on('connectionstatechange', (state) => {
      if (state === 'connected') {
        attempt = 0;
        joinedOnce = true;
        view.status('ok', CONNECTED);
      } else if (state === 'failed') restart(s, 'media connection failed');
    });
  }
  send.on('produce', ({ kind, rtpParameters }, ok, fail) => {
    request(s, 'produce', { transportId: send.id, kind, rtpParameters }).then(ok, fail);
  });
  const audio = local?.getAudioTracks()[0];
  const video = local?.getVideoTracks()[0];
  if (audio && device.canProduce('audio')) {
    const p = await send.produce({
      track: audio,
      stopTracks: false,
      codecOptions: { opusStereo: false, opusDtx: false, opusFec: true },
    });
    if (selfMuted) p.pause();
    s.producers.set('audio', p);
  }
  if (video && device.canProduce('video')) {
    const codec = pickCodec(device, w.videoCodec);
    s.producers.set(
      'video',
      await send.produce({
        track: video,
        stopTracks: false,
        encodings: [{ maxBitrate: 800_000 }],
        ...(codec ? { codec } : {}),
      }),
    );
  }
  await request(s, 'ready', { rtpCapabilities: device.rtpCapabilities });
  if (!audio && !video) view.status('ok', CONNECTED);
}

/** The browser's own codec entry matching what the bridge asks for (same H.264 mode and profile). */
function pickCodec(device: Device, want: Welcome['videoCodec']): types.RtpCodecCapability | undefined {
  if (!want) return undefined;
  const p = (c: { parameters?: Record<string, unknown> }, k: string): string => String(c.parameters?.[k] ?? '');
  const found = device.rtpCapabilities.codecs?.find(
    (c) =>
      c.mimeType.toLowerCase() === want.mimeType.toLowerCase() &&
      (!want.mimeType.toLowerCase().endsWith('h264') ||
        (p(c, 'packetization-mode') === p(want, 'packetization-mode') &&
          p(c, 'profile-level-id').toLowerCase() === p(want, 'profile-level-id').toLowerCase())),
  );
  if (!found) console.warn("this browser cannot send the rooms' video codec; sending its default", want);
  return found;
}

async function consume(s: Session, c: ConsumerInfo): Promise<void> {
  if (!s.recv) return;
  const consumer = await s.recv.consume({
    id: c.consumerId,
    producerId: c.producerId,
    kind: c.kind,
    rtpParameters: c.rtpParameters,
  });
  if (s.over) return;
  s.consumers.set(c.consumerId, { consumer, sourceId: c.sourceId });
  if (c.kind === 'video') view.addVideo(c.sourceId, consumer.track);
  else view.addAudio(c.sourceId, consumer.track);
  await request(s, 'resume', { consumerId: c.consumerId });
}

function dropConsumer(s: Session, consumerId: string): void {
  const h = s.consumers.get(consumerId);
  if (!h) return;
  s.consumers.delete(consumerId);
  h.consumer.close();
  if (h.consumer.kind === 'video') view.removeVideo(h.sourceId);
  else view.removeAudio(h.sourceId);
}

/** Give up this connection now (dead network, failed media) and start a new one. */
function restart(s: Session, why: string): void {
  if (s.over) return;
  console.warn(`connection dropped: ${why}`);
  s.ws.onclose = null;
  s.ws.close(4000, why.slice(0, 100));
  ended(s, 1006, why);
}

function ended(s: Session, code: number, reason: string): void {
  if (s.over) return;
  s.over = true;
  for (const p of s.pending.values()) p.reject(new Error('connection closed'));
  s.send?.close();
  s.recv?.close();
  view.clearStreams();
  if (session !== s) return;
  const kind = refusalKindOfCode(code);
  if (FINAL_CLOSE_CODES.includes(code)) {
    view.status('bad', { zh: '已断开', en: 'Disconnected' });
    view.overlay('无法继续 · Cannot continue', refusalWords(kind ?? 'invalid'));
    window.clearInterval(watchdog);
    return;
  }
  // the first retry comes quickly, then less and less often
  const n = Math.min(Math.max(0, attempt - 1), 4);
  const waitMs =
    code === JOIN_CLOSE.RATE_LIMITED
      ? 20_000
      : code === JOIN_CLOSE.RESTART
        ? 500 * 2 ** n
        : Math.min(10_000, 1000 * 2 ** n);
  console.info(`connection closed (${code} ${reason}); trying again in ${waitMs} ms`);
  view.status(
    'warn',
    kind
      ? refusalWords(kind)
      : {
          zh: `连接中断，${Math.round(waitMs / 1000)} 秒后重连`,
          en: `Connection lost; retrying in ${Math.round(waitMs / 1000)} s`,
        },
  );
  window.setTimeout(connect, waitMs);
}

function toggleMute(): void {
  selfMuted = !selfMuted;
  const s = session;
  const p = s?.producers.get('audio');
  if (p) {
    if (selfMuted) p.pause();
    else p.resume();
  }
  if (s) request(s, 'mute', { muted: selfMuted }).catch((err: unknown) => console.warn('mute not sent', err));
  view.muteButton(selfMuted, toggleMute);
}

/** Ask to speak (or take the request back); the roster says when the bridge lowered it (floor given). */
function toggleHand(): void {
  handRaised = !handRaised;
  view.handButton(handRaised, toggleHand);
  const s = session;
  if (s) request(s, 'hand', { raised: handRaised }).catch((err: unknown) => console.warn('hand not sent', err));
}

/** Figures for tests and benchmarks: what each stream received. */
interface StreamStats {
  sourceId: string;
  kind: string;
  bytesReceived: number;
  framesDecoded: number;
  packetsLost: number;
}

async function stats(): Promise<StreamStats[]> {
  const out: StreamStats[] = [];
  for (const { consumer, sourceId } of session?.consumers.values() ?? []) {
    const report = await consumer.getStats();
    report.forEach((r: { type: string; bytesReceived?: number; framesDecoded?: number; packetsLost?: number }) => {
      if (r.type !== 'inbound-rtp') return;
      out.push({
        sourceId,
        kind: consumer.kind,
        bytesReceived: r.bytesReceived ?? 0,
        framesDecoded: r.framesDecoded ?? 0,
        packetsLost: r.packetsLost ?? 0,
      });
    });
  }
  return out;
}

declare global {
  interface Window {
    vcbridge: {
      stats: typeof stats;
      state(): {
        connected: boolean;
        joinedOnce: boolean;
        attempt: number;
        stage: string | null;
        firstFrameAt: number | null;
        producing: string[];
      };
    };
  }
}

window.vcbridge = {
  stats,
  state: () => ({
    connected: Boolean(session && !session.over && session.ws.readyState === WebSocket.OPEN),
    joinedOnce,
    attempt,
    stage: view.stageSource,
    firstFrameAt: view.firstFrameAt,
    producing: [...(session?.producers.keys() ?? [])],
  }),
};

async function main(): Promise<void> {
  view.muteButton(selfMuted, toggleMute);
  view.handButton(handRaised, toggleHand);
  if (!token) {
    view.overlay('无法加入会议 · Cannot join the meeting', refusalWords('invalid'));
    return;
  }
  local = await takeLocalMedia();
  view.showSelf(local);
  connect();
  // a network that dies silently is noticed by the missing pings
  watchdog = window.setInterval(() => {
    const s = session;
    if (s && !s.over && Date.now() - s.lastMessageAt > PING_DEAD_S * 1000) restart(s, 'no news from the bridge');
  }, 1000);
  window.addEventListener('pagehide', () => session?.ws.close(1000, 'left'));
}

void main();
