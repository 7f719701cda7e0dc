// A baresip playing a room system (or the upstream MCU) in conference tests and the demo: it plays a
// tone from a WAV file (aufile), records what it receives (sndfile: dump-*-dec.wav), sends and
// decodes video (fakevideo + avcodec/vp8), auto-answers, and is driven through ctrl_tcp. Everything
// lives in a temp dir; stop() kills it whatever state it is in. (tests/peers/baresip.ts is the SIP
// layer's general harness; this one adds what the conference tests listen and look at.)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import { freePortRun } from './proc.js';
import { decodeRgb } from '../helpers/picture.js';

export interface BaresipRoomOptions {
  name: string;
  toneHz: number;
  /** Tone length; aufile stops at the end of the file (default 120 s). */
  toneSeconds?: number;
  video?: 'H264' | 'VP8';
  /** Send a solid colour (ffmpeg colour name, e.g. red) instead of fakevideo's test image, so a
   *  snapshot of what another room decodes tells whom it sees. */
  color?: string;
  /**
   * The picture it sends, width×height (default 320x240); e.g. 1280x720 for an HD room. Not with
   * `color`: baresip 1.0 with the avfilter module dies at any other size than 320x240 (tried 640x480,
   * 704x576, 1280x720 on 2026-12-02); fakevideo's own test picture works at 1280x720.
   */
  videoSize?: string;
  audioCodecs?: string[];
  /** Register to a registrar (e.g. kamailio) with this user and password. */
  register?: { registrar: string; password: string; regint?: number };
  /** SDES-SRTP with baresip's srtp module: 'srtp-mand' offers RTP/SAVP and refuses plain RTP,
   *  'srtp' offers a=crypto on RTP/AVP (best effort). Default: plain RTP. */
  mediaenc?: 'srtp' | 'srtp-mand';
  /** Print every SIP message baresip sends and receives to its log (baresip -s), e.g. to read the
   *  SDP both sides exchanged. */
  sipTrace?: boolean;
  /** Reuse a directory (and with it the ports) when restarting. */
  dir?: string;
  sipPort?: number;
  ctrlPort?: number;
  host?: string;
}

export class BaresipRoom {
  readonly o: Required<Pick<BaresipRoomOptions, 'name' | 'toneHz'>> & BaresipRoomOptions;
  readonly dir: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly host: string;
  proc: ChildProcess | undefined;
  /** ctrl_tcp events (CALL_ESTABLISHED, CALL_DTMF_START, ...) seen on the control connection. */
  readonly events: { type: string; param?: string; at: number }[] = [];
  #log = '';
  #ownDir = false;
  #ctrl: Promise<net.Socket> | undefined;
  readonly #waiting = new Map<string, (data: string) => void>();
  #seq = 0;

  private constructor(o: BaresipRoomOptions, dir: string, sipPort: number, ctrlPort: number) {
    this.o = o;
    this.dir = dir;
    this.sipPort = sipPort;
    this.ctrlPort = ctrlPort;
    this.host = o.host ?? '127.0.0.1';
  }

  static async start(o: BaresipRoomOptions): Promise<BaresipRoom> {
    for (let attempt = 1; ; attempt++) {
      const dir = o.dir ?? mkdtempSync(join(tmpdir(), `vcb-bs-${o.name}-`));
      // baresip also binds SIP+1 (TLS): take a run of three free ports (SIP, TLS, control).
      const base = o.sipPort ?? (await freePortRun(3));
      const room = new BaresipRoom(o, dir, base, o.ctrlPort ?? (o.sipPort === undefined ? base + 2 : await freePort()));
      room.#ownDir = o.dir === undefined;
      try {
        await room.#launch();
        return room;
      } catch (err) {
        await room.stop();
        // ports we chose may be taken between the check and baresip's bind (other tests take ports
        // all the time): again on other ones; ports the caller chose are the caller's business
        const clash = /Address already in use/.test((err as Error).message);
        if (!clash || o.sipPort !== undefined || attempt >= 3) throw err;
      }
    }
  }

  /** sip:name@host:port — what the site config dials. */
  get uri(): string {
    return `sip:${this.o.name}@${this.host}:${this.sipPort}`;
  }

  get log(): string {
    return this.#log;
  }

  get running(): boolean {
    return Boolean(this.proc && this.proc.exitCode === null && this.proc.signalCode === null);
  }

  async #launch(): Promise<void> {
    mkdirSync(join(this.dir, 'snd'), { recursive: true });
    // baresip 1.0 does not resample: the WAV must have the codec's own rate (G.722: 16 kHz)
    const rate = (this.o.audioCodecs?.[0] ?? 'PCMU').toUpperCase().startsWith('G722') ? 16000 : 8000;
    const wav = join(this.dir, `tone${this.o.toneHz}-${rate}.wav`);
    if (!existsSync(wav)) {
      const r = spawnSync('sox', [
        '-n',
        '-r',
        String(rate),
        '-c',
        '1',
        '-b',
        '16',
        wav,
        'synth',
        String(this.o.toneSeconds ?? 120),
        'sine',
        String(this.o.toneHz),
        'vol',
        '0.3',
      ]);
      if (r.status !== 0) throw new Error(`sox failed: ${r.stderr.toString()}`);
    }
    const video = this.o.video;
    const mods = ['g711.so', 'g722.so', 'aubridge.so', 'aufile.so', 'sndfile.so'];
    if (video) mods.push('fakevideo.so', 'snapshot.so', video === 'H264' ? 'avcodec.so' : 'vp8.so');
    // A solid colour by an ffmpeg filter on fakevideo's frames (set through ctrl_tcp once running):
    // frames keep flowing at 15 fps, unlike an avformat file source, whose frames baresip skips.
    if (video && this.o.color) mods.push('avfilter.so');
    if (this.o.mediaenc) mods.push('srtp.so');
    const videoSource = 'fakevideo,nil';
    const rtpBase = 30000 + 2 * Math.floor(Math.random() * 1300);
    const conf = [
      'poll_method epoll',
      `sip_listen ${this.host}:${this.sipPort}`,
      `net_interface ${this.host}`,
      'module_path /usr/lib/baresip/modules',
      ...mods.map((m) => `module ${m}`),
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${this.ctrlPort}`,
      `audio_source aufile,${wav}`,
      'audio_player aubridge,nullsink',
      'audio_alert aubridge,nullsink',
      `snd_path ${join(this.dir, 'snd')}`,
      'rtp_stats yes',
      `rtp_ports ${rtpBase}-${rtpBase + 60}`,
      'call_max_calls 4',
      ...(video
        ? [
            `video_source ${videoSource}`,
            'video_display fakevideo,nil',
            `video_size ${this.o.videoSize ?? '320x240'}`,
            'video_fps 15',
            'video_bitrate 300000',
          ]
        : []),
      '',
    ].join('\n');
    writeFileSync(join(this.dir, 'config'), conf);
    const names = (this.o.audioCodecs ?? ['PCMU', 'PCMA']).map((c) =>
      c.toUpperCase() === 'G722' ? 'G722/16000/1' : c,
    );
    const codecs = `;audio_codecs=${names.join(',')}${video ? `;video_codecs=${video}` : ''}`;
    const reg = this.o.register
      ? `;auth_pass=${this.o.register.password};regint=${this.o.register.regint ?? 60};outbound="sip:${this.o.register.registrar.replace(/^sip:/, '')}"`
      : ';regint=0';
    const aor = this.o.register ? `sip:${this.o.name}@${this.o.register.registrar.replace(/^sip:/, '')}` : this.uri;
    const enc = this.o.mediaenc ? `;mediaenc=${this.o.mediaenc}` : '';
    writeFileSync(join(this.dir, 'accounts'), `<${aor}>${reg};answermode=auto${codecs}${enc}\n`);
    this.#log = '';
    const proc = spawn('baresip', ['-f', this.dir, ...(this.o.sipTrace ? ['-s'] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout?.on('data', (d) => (this.#log += d));
    proc.stderr?.on('data', (d) => (this.#log += d));
    const deadline = Date.now() + 8000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`baresip ${this.o.name} exited ${proc.exitCode}:\n${this.#log}`);
      if (await this.#ctrlReachable()) break;
      if (Date.now() > deadline) throw new Error(`baresip ${this.o.name} did not start:\n${this.#log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (video && this.o.color) {
      // baresip drops the filter when a call ends: set it again for every new call (#onControl)
      await this.#applyColor();
    }
  }

  #applyColor(): Promise<string> {
    return this.command('avfilter', `drawbox=x=0:y=0:w=iw:h=ih:color=${this.o.color}:t=fill`);
  }

  #ctrlReachable(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = net.connect(this.ctrlPort, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
  }

  /**
   * One ctrl_tcp command; resolves with its `data` text. Commands and events share one connection:
   * baresip pushes events to the connection that spoke to it last.
   */
  async command(command: string, params = ''): Promise<string> {
    const s = await this.#control();
    const token = `t${++this.#seq}`;
    const j = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(token);
        reject(new Error(`baresip ${this.o.name}: no answer to ${command}`));
      }, 3000);
      this.#waiting.set(token, (data) => {
        clearTimeout(timer);
        resolve(data);
      });
      s.write(`${Buffer.byteLength(j)}:${j},`);
    });
  }

  /** Events are collected from the control connection; this opens it if nothing has yet. */
  watchEvents(): void {
    this.#control().catch((err: Error) => (this.#log += `\n[harness] ctrl_tcp: ${err.message}`));
  }

  #control(): Promise<net.Socket> {
    this.#ctrl ??= new Promise((resolve, reject) => {
      const s = net.connect(this.ctrlPort, '127.0.0.1');
      let buf = '';
      s.once('connect', () => resolve(s));
      s.on('error', (e) => reject(e));
      s.on('close', () => {
        this.#ctrl = undefined;
      });
      s.on('data', (d) => {
        buf += d;
        for (;;) {
          const m = /^(\d+):/.exec(buf);
          if (!m || buf.length < m[0].length + Number(m[1]) + 1) return;
          const body = buf.slice(m[0].length, m[0].length + Number(m[1]));
          buf = buf.slice(m[0].length + Number(m[1]) + 1);
          this.#onControl(body);
        }
      });
    });
    return this.#ctrl;
  }

  #onControl(body: string): void {
    let e: { event?: boolean; type?: string; param?: string; response?: boolean; token?: string; data?: unknown };
    try {
      e = JSON.parse(body) as typeof e;
    } catch {
      this.#log += `\n[harness] unparsable ctrl_tcp message: ${body.slice(0, 200)}`;
      return;
    }
    if (e.response && e.token) {
      this.#waiting.get(e.token)?.(String(e.data ?? ''));
      this.#waiting.delete(e.token);
      return;
    }
    if (!e.event || !e.type) return;
    this.events.push({ type: e.type, ...(e.param !== undefined ? { param: e.param } : {}), at: Date.now() });
    if (e.type === 'CALL_ESTABLISHED' && this.o.video && this.o.color) {
      this.#applyColor().catch((err: Error) => (this.#log += `\n[harness] avfilter failed: ${err.message}`));
    }
  }

  /** Frames baresip's video display has shown (decoded) so far, from video_debug; 0 without a call. */
  async framesDecoded(): Promise<number> {
    const d = await this.command('video_debug').catch(() => '');
    const m = /vidisp:.*?frames=(\d+)/s.exec(d);
    return m ? Number(m[1]) : 0;
  }

  /** A PNG of the picture this room decodes now (snapshot_recv), or undefined if none came. */
  async snapshot(): Promise<string | undefined> {
    const base = join(this.dir, `snap-${Date.now()}`);
    await this.command('snapshot_recv', base);
    const deadline = Date.now() + 3000;
    let png: string | undefined;
    while (!png && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      png = readdirSync(this.dir)
        .map((f) => join(this.dir, f))
        .find((f) => f.startsWith(base));
    }
    if (png) await new Promise((r) => setTimeout(r, 100)); // let baresip finish writing it
    return png;
  }

  /** Average colour (r, g, b) of the video this room decodes now (snapshot_recv → PNG → ffmpeg). */
  async seenColor(): Promise<{ r: number; g: number; b: number } | undefined> {
    const png = await this.snapshot();
    if (!png) return undefined;
    const px = decodeRgb(png, 'scale=8:8', 64);
    if (!px) return undefined;
    let rs = 0;
    let gs = 0;
    let bs = 0;
    const n = Math.floor(px.length / 3);
    for (let i = 0; i < n; i++) {
      rs += px[3 * i]!;
      gs += px[3 * i + 1]!;
      bs += px[3 * i + 2]!;
    }
    return { r: Math.round(rs / n), g: Math.round(gs / n), b: Math.round(bs / n) };
  }

  /** The WAV files of decoded (received) audio, newest last. */
  recordings(): string[] {
    const snd = join(this.dir, 'snd');
    if (!existsSync(snd)) return [];
    return readdirSync(snd)
      .filter((f) => f.endsWith('-dec.wav'))
      .map((f) => join(snd, f))
      .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  }

  /** Byte offset of the newest recording now (mark, then read what came after with audioSince). */
  mark(): { file: string | undefined; offset: number } {
    const file = this.recordings().at(-1);
    return { file, offset: file ? statSync(file).size : 0 };
  }

  /** Decoded audio received since a mark (16-bit mono at the codec's rate, as sndfile writes it). */
  audioSince(m: { file: string | undefined; offset: number }): { pcm: Int16Array; rate: number } {
    const file = this.recordings().at(-1);
    if (!file) return { pcm: new Int16Array(0), rate: 8000 };
    const buf = readFileSync(file);
    const rate = buf.length >= 28 ? buf.readUInt32LE(24) : 8000;
    const start = file === m.file ? Math.max(44, m.offset) : 44;
    const body = buf.subarray(start - ((start - 44) % 2));
    return {
      pcm: new Int16Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length - (body.length % 2))),
      rate,
    };
  }

  /** Kill it (SIGKILL by default: a power cut, no BYE). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    void this.#ctrl?.then(
      (c) => c.destroy(),
      () => undefined,
    );
    this.#ctrl = undefined;
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await exited;
    }
  }

  /** Start again on the same ports and directory. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#launch();
  }

  /** SIGTERM (baresip hangs up with BYE), then remove its directory unless VCB_KEEP_PEERS is set. */
  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    if (!process.env.VCB_KEEP_PEERS && this.#ownDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
