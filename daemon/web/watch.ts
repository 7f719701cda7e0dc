// The watch-only page's script (bundled with hls.js into dist/web/watch.js; no CDN). It plays the
// playlist named in the video element's data-src: with hls.js where the browser has MediaSource
// (Chromium, Firefox, Edge), natively where the browser plays HLS itself (Safari, iOS). Network
// trouble is retried with a growing pause; a refused link (403) ends it with a message.
import Hls from 'hls.js';

const video = document.getElementById('live') as HTMLVideoElement;
const status = document.getElementById('status') as HTMLElement;
const src = video.dataset['src'] ?? '';

function show(text: string, cls: 'ok' | 'warn' | 'bad'): void {
  status.textContent = text;
  status.className = `status ${cls}`;
}

video.addEventListener('playing', () => show('直播中 Live', 'ok'));
video.addEventListener('waiting', () => show('缓冲中… Buffering…', 'warn'));

if (Hls.isSupported()) {
  // the worker would need a blob: worker-src in the page's CSP; the main thread copes with one stream
  const hls = new Hls({ enableWorker: false, liveSyncDurationCount: 2, manifestLoadingMaxRetry: 6 });
  let retryMs = 1000;
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    retryMs = 1000;
    void video.play().catch(() => show('点击播放 Press play', 'warn'));
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    const code = data.response?.code;
    if (code === 403) {
      show('链接无效或已过期 Link not valid or expired', 'bad');
      hls.destroy();
      return;
    }
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
      return;
    }
    show('正在重新连接… Reconnecting…', 'warn');
    setTimeout(() => hls.startLoad(), retryMs);
    retryMs = Math.min(retryMs * 2, 15_000);
  });
  hls.loadSource(src);
  hls.attachMedia(video);
} else if (video.canPlayType('application/vnd.apple.mpegurl')) {
  video.src = src;
} else {
  show('此浏览器无法播放直播 This browser cannot play the stream', 'bad');
}
