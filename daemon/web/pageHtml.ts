// The join page's HTML and the refusal page, as strings the daemon serves. Everything people read is
// in Chinese and English; the page's script (page.ts, bundled to /join/page.js) fills the rest in.

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const CSS = `
:root { color-scheme: dark; --bg: #111418; --panel: #1b2027; --line: #2c333d; --text: #e8ebef; --dim: #9aa4b1; --accent: #3d8bfd; --warn: #e0a030; --bad: #e05555; --ok: #3fb37f; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { margin: 0; height: 100%; background: var(--bg); color: var(--text); font: 15px/1.45 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
body { display: grid; grid-template-rows: auto 1fr auto; }
header, footer { display: flex; align-items: center; gap: 16px; padding: 10px 16px; background: var(--panel); border-color: var(--line); border-style: solid; border-width: 0 0 1px; }
footer { border-width: 1px 0 0; flex-wrap: wrap; }
header .title { font-weight: 600; font-size: 17px; }
header .who { color: var(--dim); }
.status { margin-left: auto; padding: 2px 10px; border-radius: 10px; background: var(--line); font-size: 13px; }
.status.ok { background: #1d3b2e; color: #8fe0b8; }
.status.warn { background: #3f331b; color: #f2cf86; }
.status.bad { background: #47201f; color: #f3a3a0; }
main { display: grid; grid-template-columns: 1fr 220px; gap: 10px; padding: 10px; min-height: 0; }
#stage { position: relative; background: #000; border-radius: 8px; overflow: hidden; display: flex; align-items: center; justify-content: center; min-height: 0; }
#stage video { width: 100%; height: 100%; object-fit: contain; }
#stage .empty { color: var(--dim); text-align: center; }
.label { position: absolute; left: 8px; bottom: 8px; padding: 2px 8px; border-radius: 4px; background: rgba(0,0,0,.6); font-size: 13px; }
.floor { color: var(--warn); }
#thumbs { display: flex; flex-direction: column; gap: 8px; overflow-y: auto; min-height: 0; }
.thumb { position: relative; aspect-ratio: 4 / 3; background: #000; border-radius: 6px; overflow: hidden; border: 2px solid transparent; cursor: pointer; flex: none; }
.thumb.floor-site { border-color: var(--warn); }
.thumb video { width: 100%; height: 100%; object-fit: cover; }
.thumb .novideo { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: var(--dim); font-size: 13px; }
#self { width: 120px; aspect-ratio: 4 / 3; background: #000; border-radius: 6px; object-fit: cover; transform: scaleX(-1); }
button { font: inherit; color: var(--text); background: var(--line); border: 1px solid #3a424e; border-radius: 6px; padding: 8px 16px; cursor: pointer; }
button.on { background: var(--bad); border-color: var(--bad); }
#floorInfo { color: var(--warn); }
#notice { color: var(--dim); font-size: 13px; }
#overlay { position: fixed; inset: 0; background: rgba(0,0,0,.75); display: flex; align-items: center; justify-content: center; }
#overlay[hidden] { display: none; }
.card { max-width: 520px; margin: 16px; padding: 24px 28px; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; }
.card h1, .card h2 { margin: 0 0 12px; font-size: 20px; }
.card p { margin: 8px 0; }
.card .en { color: var(--dim); }
@media (max-width: 720px) { main { grid-template-columns: 1fr; grid-template-rows: 1fr auto; } #thumbs { flex-direction: row; overflow-x: auto; } .thumb { width: 140px; } }
`;

const HEADERS_SECURITY = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // the token is in the URL: never send it on as a Referer
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; media-src 'self' blob: mediastream:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'permissions-policy': 'camera=(self), microphone=(self)',
};

export function pageHeaders(): Record<string, string> {
  return { ...HEADERS_SECURITY };
}

/** The meeting page. The script reads the token from the URL and does the rest. */
/** The shared top of our pages, up to </head>; `title` must already be escaped. */
function pageHead(title: string, css: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>${css}</style>
</head>`;
}

export function joinPage(o: { title: string; name: string }): string {
  return `${pageHead(`${esc(o.title)} · 视频会议 Video conference`, CSS)}
<body>
<header>
  <span class="title" id="title">${esc(o.title)}</span>
  <span class="who">${esc(o.name)}</span>
  <span class="status warn" id="status">正在连接… Connecting…</span>
</header>
<main>
  <section id="stage"><div class="empty" id="stageEmpty">等待画面… Waiting for video…</div><span class="label" id="stageLabel" hidden></span></section>
  <aside id="thumbs" aria-label="其他会场 Other sites"></aside>
</main>
<footer>
  <video id="self" autoplay playsinline muted></video>
  <button id="mute" type="button">静音 Mute</button>
  <button id="hand" type="button">申请发言 Raise hand</button>
  <span id="floorInfo"></span>
  <span id="notice"></span>
</footer>
<div id="overlay" hidden><div class="card"><h2 id="overlayTitle"></h2><p id="overlayZh"></p><p class="en" id="overlayEn"></p></div></div>
<div id="audio" hidden></div>
<script type="module" src="/join/page.js"></script>
</body>
</html>
`;
}

/** Watch-only (HLS) for large audiences: the conference picture and sound, nothing to send, nothing
 *  to install. `src` is the playlist with its token; /live/watch.js (hls.js) plays it. */
export function watchPage(o: { title: string; src: string }): string {
  return `${pageHead(`${esc(o.title)} · 直播 Live`, `${CSS} main { grid-template-columns: 1fr; }`)}
<body>
<header>
  <span class="title">${esc(o.title)}</span>
  <span class="who">直播（仅观看） Live (watch only)</span>
  <span class="status warn" id="status">正在连接… Connecting…</span>
</header>
<main>
  <section id="stage"><video id="live" data-src="${esc(o.src)}" controls autoplay playsinline muted></video></section>
</main>
<footer><span id="notice">直播有几秒延迟。点击视频下方的扬声器图标开启声音。 The live picture is a few seconds behind; use the speaker control to hear it.</span></footer>
<script type="module" src="/live/watch.js"></script>
</body>
</html>
`;
}

/** Headers of the watch page: the join page's, without camera or microphone; hls.js feeds the
 *  video element through MediaSource (blob: URLs). */
export function watchHeaders(): Record<string, string> {
  return { ...HEADERS_SECURITY, 'permissions-policy': 'camera=(), microphone=()' };
}

/** A refusal people can read: what is wrong and what to do, in both languages. */
export function refusalPage(
  o: { zh: string; en: string },
  heading = { zh: '无法加入会议', en: 'Cannot join the meeting' },
): string {
  return `${pageHead(`${esc(heading.zh)} · ${esc(heading.en)}`, `${CSS} body { display: flex; align-items: center; justify-content: center; }`)}
<body>
<div class="card" role="alert">
  <h1>${esc(heading.zh)} <span class="en">${esc(heading.en)}</span></h1>
  <p>${esc(o.zh)}</p>
  <p class="en">${esc(o.en)}</p>
</div>
</body>
</html>
`;
}
