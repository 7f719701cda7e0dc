// A real baresip (Debian baresip-core) as a SIP room system for tests.
//
//   const bob = await startBaresip({ name: 'bob', answer: 'auto', recordDir });
//   await stack.dial({ target: { uri: bob.uri, transport: 'udp' }, ... });
//   await bob.dial(`sip:bridge@127.0.0.1:${port}`);   // or the other way round
//   await bob.waitEvent('CALL_ESTABLISHED');
//   await bob.stop();                                  // in afterEach, whatever happened
//
// It listens on 127.0.0.1 only (UDP+TCP on `port`, baresip also binds TLS on port+1) with a
// config written to a temp dir: module_path /usr/lib/baresip/modules, net_interface 127.0.0.1,
// `aufile` playing an 8 kHz WAV (a 440 Hz tone made by sox unless `audioFile` is given),
// `sndfile` recording what it receives into `recordDir`, `fakevideo` for video, and `ctrl_tcp`
// (+ menu) for control: commands and call events go over a local TCP socket.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePortRun, removeDir, startProc, tempDir, type Proc } from './proc.js';

export interface BaresipOptions {
  /** User part of its SIP URI (default "baresip"). */
  name?: string;
  /** 8 kHz mono WAV to send as audio (default: a 440 Hz tone). */
  audioFile?: string;
  /** Directory where `sndfile` writes the audio it receives (and sends), one WAV per call and direction. */
  recordDir?: string;
  /** Offer/accept video with a fake source (default false). */
  video?: boolean | 'vp8' | 'h264';
  /** Answer incoming calls at once ('auto', default) or wait for accept(). */
  answer?: 'auto' | 'manual';
  /** Audio codecs in preference order (default PCMU, PCMA). */
  audioCodecs?: string[];
  /** Extra config lines. */
  extraConfig?: string[];
  /** Extra account parameters, e.g. ';auth_user=x;auth_pass=y'. */
  accountParams?: string;
}

export interface BaresipEvent {
  type: string;
  class?: string;
  peeruri?: string;
  param?: string;
  id?: string;
  direction?: string;
  [k: string]: unknown;
}

export interface Baresip {
  readonly name: string;
  /** sip:name@127.0.0.1:port */
  readonly uri: string;
  readonly port: number;
  readonly dir: string;
  /** Every call event seen so far (CALL_INCOMING, CALL_RINGING, CALL_ESTABLISHED, CALL_CLOSED, ...). */
  readonly events: BaresipEvent[];
  dial(uri: string): Promise<void>;
  accept(): Promise<void>;
  hangup(): Promise<void>;
  /** Any menu command (dial, hangup, accept, listcalls, callstat, ...). */
  command(command: string, params?: string): Promise<{ ok: boolean; data: string }>;
  /** The first event of this type (already seen ones count) after `since` events. */
  waitEvent(type: string, timeoutMs?: number, since?: number): Promise<BaresipEvent>;
  /** baresip's console output. */
  log(): string;
  stop(): Promise<void>;
}

let toneFile: string | undefined;

/** An 8 kHz mono 16-bit WAV with a sine tone (made once per process with sox). */
export function makeToneWav(path: string, hz = 440, seconds = 30): string {
  execFileSync('sox', [
    '-n',
    '-r',
    '8000',
    '-c',
    '1',
    '-b',
    '16',
    path,
    'synth',
    String(seconds),
    'sine',
    String(hz),
    'vol',
    '0.5',
  ]);
  return path;
}

export async function startBaresip(opts: BaresipOptions = {}): Promise<Baresip> {
  const name = opts.name ?? 'baresip';
  const dir = tempDir(`baresip-${name}`);
  const port = await freePortRun(3); // SIP udp/tcp, TLS (port+1), ctrl_tcp (port+2)
  const ctrlPort = port + 2;
  const snd = opts.recordDir ?? join(dir, 'snd');
  mkdirSync(snd, { recursive: true });
  if (!opts.audioFile && !toneFile) toneFile = makeToneWav(join(tempDir('tone'), 'tone440.wav'));
  const audioFile = opts.audioFile ?? toneFile!;
  const video = opts.video === true ? 'vp8' : opts.video || undefined;
  const modules = ['g711.so', 'g722.so', 'aufile.so', 'aubridge.so', ...(opts.recordDir ? ['sndfile.so'] : [])];
  if (video) modules.push('fakevideo.so', video === 'h264' ? 'avcodec.so' : 'vp8.so');
  const config = [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${port}`,
    'net_interface 127.0.0.1',
    'module_path /usr/lib/baresip/modules',
    ...modules.map((m) => `module ${m}`),
    'module_app account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
    `audio_source aufile,${audioFile}`,
    'audio_player aubridge,nullsink',
    'audio_alert aubridge,nullsink',
    `snd_path ${snd}`,
    'rtp_stats yes',
    `rtp_ports ${port + 10}-${port + 60}`,
    'call_max_calls 4',
    ...(video
      ? [
          'video_source fakevideo,nil',
          'video_display fakevideo,nil',
          'video_size 320x240',
          'video_fps 15',
          'video_bitrate 300000',
        ]
      : []),
    ...(opts.extraConfig ?? []),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'config'), config);
  const codecs = (opts.audioCodecs ?? ['PCMU', 'PCMA']).join(',');
  const videoCodecs = video ? `;video_codecs=${video === 'h264' ? 'H264' : 'VP8'}` : '';
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${name}@127.0.0.1:${port}>;regint=0;answermode=${opts.answer ?? 'auto'};audio_codecs=${codecs}${videoCodecs}${opts.accountParams ?? ''}\n`,
  );

  const proc = startProc('baresip', ['-f', dir], { name: `baresip ${name}`, env: { ...process.env, HOME: dir } });
  try {
    await proc.waitFor(/baresip is ready/, 10_000);
  } catch (e) {
    await proc.stop();
    removeDir(dir);
    throw e;
  }
  const ctrl = await CtrlClient.open(ctrlPort);
  return {
    name,
    uri: `sip:${name}@127.0.0.1:${port}`,
    port,
    dir,
    events: ctrl.events,
    dial: async (uri) => void expectOk(await ctrl.command('dial', uri), 'dial'),
    accept: async () => void expectOk(await ctrl.command('accept'), 'accept'),
    hangup: async () => void (await ctrl.command('hangup')),
    command: (c, p) => ctrl.command(c, p),
    waitEvent: (type, timeoutMs = 10_000, since = 0) => ctrl.waitEvent(type, timeoutMs, since, proc),
    log: () => proc.output(),
    stop: async () => {
      ctrl.close();
      await proc.stop();
      if (!opts.recordDir) removeDir(dir);
    },
  };
}

function expectOk(r: { ok: boolean; data: string }, what: string): void {
  if (!r.ok) throw new Error(`baresip ${what} failed: ${r.data}`);
}

/** ctrl_tcp: JSON in netstrings, both ways. */
class CtrlClient {
  readonly events: BaresipEvent[] = [];
  readonly #sock: Socket;
  #buf = '';
  #token = 0;
  readonly #replies = new Map<string, (r: { ok: boolean; data: string }) => void>();
  readonly #eventWaiters = new Set<() => void>();

  private constructor(sock: Socket) {
    this.#sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.#onData(d));
    sock.on('error', () => undefined); // the process going away is reported by its harness
  }

  static open(port: number): Promise<CtrlClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new CtrlClient(s)));
      s.once('error', reject);
    });
  }

  command(command: string, params = ''): Promise<{ ok: boolean; data: string }> {
    const token = String(++this.#token);
    const json = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`baresip ctrl: no reply to ${command}`)), 5000);
      this.#replies.set(token, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.#sock.write(`${Buffer.byteLength(json)}:${json},`);
    });
  }

  waitEvent(type: string, timeoutMs: number, since: number, proc: Proc): Promise<BaresipEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const e = this.events.slice(since).find((x) => x.type === type);
        if (e) {
          this.#eventWaiters.delete(check);
          clearTimeout(t);
          resolve(e);
        }
        return Boolean(e);
      };
      const t = setTimeout(() => {
        this.#eventWaiters.delete(check);
        reject(
          new Error(
            `baresip: no ${type} event within ${timeoutMs} ms (events: ${this.events.map((e) => e.type).join(', ')})\n${proc.output().slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      if (!check()) this.#eventWaiters.add(check);
    });
  }

  close(): void {
    this.#sock.destroy();
  }

  #onData(d: string): void {
    this.#buf += d;
    for (;;) {
      const colon = this.#buf.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.#buf.slice(0, colon));
      if (this.#buf.length < colon + 1 + len + 1) return;
      const json = this.#buf.slice(colon + 1, colon + 1 + len);
      this.#buf = this.#buf.slice(colon + 2 + len);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(json) as Record<string, unknown>;
      } catch {
        continue; // not ours to fix: baresip printed something odd
      }
      if (msg.response) {
        this.#replies.get(String(msg.token))?.({ ok: Boolean(msg.ok), data: String(msg.data ?? '') });
        this.#replies.delete(String(msg.token));
      } else if (msg.event) {
        this.events.push(msg as BaresipEvent);
        for (const w of [...this.#eventWaiters]) w();
      }
    }
  }
}
