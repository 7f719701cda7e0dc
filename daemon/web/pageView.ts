// The join page's drawing: the big view, one thumbnail per other site, who has the floor, the status
// pill and the full-page notice. No networking here (page.ts does that). Runs in the browser.
import type { Roster, RosterEntry } from './signalling.js';
import type { Words } from './messages.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};

const label = (n: { zh: string; en: string }): string => (n.zh === n.en ? n.zh : `${n.zh} ${n.en}`);

interface Tile {
  el: HTMLDivElement;
  video: HTMLVideoElement;
  caption: HTMLSpanElement;
  placeholder: HTMLDivElement;
}

export class PageView {
  readonly #tiles = new Map<string, Tile>();
  /** sourceId → the video track of that participant. */
  readonly #videos = new Map<string, MediaStreamTrack>();
  readonly #audios = new Map<string, HTMLAudioElement>();
  readonly #stage: HTMLVideoElement;
  #roster: Roster | undefined;
  #self = '';
  /** A thumbnail the user clicked: shown big until clicked again. */
  #pinned: string | null = null;
  #stageSource: string | null = null;
  /** performance.now() of the first remote video frame painted (benchmarks read it). */
  firstFrameAt: number | null = null;
  onUnblockAudio: (() => void) | undefined;

  constructor() {
    this.#stage = document.createElement('video');
    this.#stage.autoplay = true;
    this.#stage.playsInline = true;
    this.#stage.muted = true;
    this.#stage.hidden = true;
    $('stage').prepend(this.#stage);
  }

  setSelf(id: string): void {
    this.#self = id;
  }

  showSelf(stream: MediaStream | null): void {
    const v = $<HTMLVideoElement>('self');
    v.srcObject = stream;
    v.hidden = !stream || stream.getVideoTracks().length === 0;
  }

  status(kind: 'ok' | 'warn' | 'bad', words: Words): void {
    const s = $('status');
    s.className = `status ${kind}`;
    s.textContent = `${words.zh} ${words.en}`;
  }

  notice(words: Words | null): void {
    $('notice').textContent = words ? `${words.zh} ${words.en}` : '';
  }

  overlay(title: string, words: Words): void {
    $('overlayTitle').textContent = title;
    $('overlayZh').textContent = words.zh;
    $('overlayEn').textContent = words.en;
    $('overlay').hidden = false;
  }

  muteButton(selfMuted: boolean, onClick: () => void): void {
    const b = $<HTMLButtonElement>('mute');
    b.textContent = selfMuted ? '取消静音 Unmute' : '静音 Mute';
    b.classList.toggle('on', selfMuted);
    b.onclick = onClick;
  }

  handButton(raised: boolean, onClick: () => void): void {
    const b = $<HTMLButtonElement>('hand');
    b.textContent = raised ? '取消发言申请 Lower hand' : '申请发言 Raise hand';
    b.classList.toggle('on', raised);
    b.onclick = onClick;
  }

  addVideo(sourceId: string, track: MediaStreamTrack): void {
    this.#videos.set(sourceId, track);
    this.#draw();
  }

  addAudio(sourceId: string, track: MediaStreamTrack): void {
    this.removeAudio(sourceId);
    const a = document.createElement('audio');
    a.autoplay = true;
    a.srcObject = new MediaStream([track]);
    $('audio').append(a);
    this.#audios.set(sourceId, a);
    a.play().catch(() => this.#audioBlocked());
  }

  removeVideo(sourceId: string): void {
    this.#videos.delete(sourceId);
    this.#draw();
  }

  removeAudio(sourceId: string): void {
    const a = this.#audios.get(sourceId);
    if (!a) return;
    a.srcObject = null;
    a.remove();
    this.#audios.delete(sourceId);
  }

  /** Forget every remote stream (the connection is gone; a new one brings them again). */
  clearStreams(): void {
    for (const id of [...this.#audios.keys()]) this.removeAudio(id);
    this.#videos.clear();
    this.#draw();
  }

  roster(r: Roster): void {
    this.#roster = r;
    $('title').textContent = r.title;
    const floor = r.participants.find((p) => p.id === r.floor);
    const info = $('floorInfo');
    if (!floor) info.textContent = '';
    else if (floor.id === this.#self) info.textContent = '您正在发言 You have the floor';
    else info.textContent = `发言：${label(floor.name)} · Floor: ${floor.name.en}`;
    this.notice(
      r.mutedByBridge
        ? {
            zh: '会议已将您静音（主持人或点名发言模式），对方听不到您',
            en: 'Muted by the meeting (operator or roll call): the others cannot hear you',
          }
        : null,
    );
    this.#draw();
  }

  /** The source shown big: a pinned thumbnail, else the conference's choice, else the floor, else anyone with video. */
  get stageSource(): string | null {
    return this.#stageSource;
  }

  #pickStage(): string | null {
    const r = this.#roster;
    const has = (id: string | null | undefined): id is string =>
      Boolean(id && id !== this.#self && this.#videos.has(id));
    if (has(this.#pinned)) return this.#pinned;
    if (has(r?.view)) return r.view;
    if (has(r?.floor)) return r.floor;
    return [...this.#videos.keys()].find((id) => id !== this.#self) ?? null;
  }

  #draw(): void {
    const others: RosterEntry[] = (this.#roster?.participants ?? []).filter((p) => p.id !== this.#self);
    // sources we have streams for but the roster does not list yet still get a tile
    for (const id of this.#videos.keys()) {
      if (!others.some((p) => p.id === id))
        others.push({ id, name: { zh: id, en: id }, kind: '', state: 'connected', muted: false, hasFloor: false });
    }
    for (const [id, t] of this.#tiles) {
      if (!others.some((p) => p.id === id)) {
        t.el.remove();
        this.#tiles.delete(id);
      }
    }
    for (const p of others) {
      const t = this.#tiles.get(p.id) ?? this.#tile(p.id);
      const track = this.#videos.get(p.id);
      const current = (t.video.srcObject as MediaStream | null)?.getVideoTracks()[0];
      if (track && current !== track) t.video.srcObject = new MediaStream([track]);
      if (!track && current) t.video.srcObject = null;
      t.placeholder.hidden = Boolean(track);
      t.caption.textContent = `${p.hasFloor ? '★ ' : ''}${label(p.name)}${p.muted ? ' 🔇' : ''}${p.state !== 'connected' ? ` (${p.state})` : ''}`;
      t.el.classList.toggle('floor-site', p.hasFloor);
    }
    this.#drawStage(others);
  }

  #drawStage(others: RosterEntry[]): void {
    const src = this.#pickStage();
    this.#stageSource = src;
    const track = src ? this.#videos.get(src) : undefined;
    const current = (this.#stage.srcObject as MediaStream | null)?.getVideoTracks()[0];
    if (track && current !== track) this.#stage.srcObject = new MediaStream([track]);
    this.#stage.hidden = !track;
    $('stageEmpty').hidden = Boolean(track);
    const l = $('stageLabel');
    const who = others.find((p) => p.id === src);
    l.hidden = !who;
    if (who)
      l.textContent = `${who.hasFloor ? '★ ' : ''}${label(who.name)}${this.#pinned === src ? ' · 已固定 pinned' : ''}`;
  }

  #tile(id: string): Tile {
    const el = document.createElement('div');
    el.className = 'thumb';
    el.dataset.source = id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    const firstFrame = (): void => {
      this.firstFrameAt ??= performance.now();
    };
    video.requestVideoFrameCallback?.(firstFrame);
    const placeholder = document.createElement('div');
    placeholder.className = 'novideo';
    placeholder.textContent = '无视频 No video';
    const caption = document.createElement('span');
    caption.className = 'label';
    el.append(video, placeholder, caption);
    el.onclick = () => {
      this.#pinned = this.#pinned === id ? null : id;
      this.#draw();
    };
    $('thumbs').append(el);
    const t = { el, video, caption, placeholder };
    this.#tiles.set(id, t);
    return t;
  }

  #audioBlocked(): void {
    this.notice({
      zh: '浏览器阻止了自动播放声音：请点击页面任意处开启声音',
      en: 'The browser blocked sound: click anywhere on the page to hear the meeting',
    });
    document.addEventListener(
      'click',
      () => {
        for (const a of this.#audios.values())
          a.play().catch((err: unknown) => console.warn('audio still blocked', err));
        this.notice(null);
        this.onUnblockAudio?.();
      },
      { once: true },
    );
  }
}
