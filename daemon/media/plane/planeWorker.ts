// Entry of the media plane worker thread (MediaPlane starts it; dist/media-plane.js when built).
// Log lines go to the daemon's logger by message: one log file, one format, the same redaction.
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { parseReason, say, VC_ERROR_CODES } from '../../../protocol/index.js';
import type { Logger } from '../../util/logger.js';
import { PlaneHost } from './PlaneHost.js';
import type { FromPlane, ToPlane } from './protocol.js';

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

function post(m: FromPlane, transfer?: ArrayBuffer[]): void {
  parentPort!.postMessage(m, transfer);
}

/** The Logger methods the media code calls, forwarded to the daemon's thread. */
function forwardingLogger(min: number, bindings: Record<string, unknown>): Logger {
  const at =
    (level: string) =>
    (objOrMsg: unknown, msg?: string): void => {
      if ((LEVELS[level] ?? 0) < min) return;
      const [obj, text] = typeof objOrMsg === 'string' ? [{}, objOrMsg] : [objOrMsg, msg];
      try {
        post({ t: 'log', level, bindings, obj, msg: text });
      } catch {
        // an object that cannot cross threads (a function, a socket): its text still can
        post({ t: 'log', level, bindings, obj: { detail: String(obj) }, msg: text });
      }
    };
  const log = {
    child: (more: Record<string, unknown>) => forwardingLogger(min, { ...bindings, ...more }),
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
  };
  return log as unknown as Logger;
}

/** This thread's id in the kernel (/proc/<pid>/task/<tid>), for per-thread CPU figures. */
function kernelTid(): number | undefined {
  try {
    return Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined; // not Linux: the figures go without it
  }
}

/**
 * Raise this thread's priority (Linux: setpriority on a thread id affects that thread only), so the
 * mixer's 20 ms tick wins over the daemon's other threads and its mediasoup workers when the cores
 * are busy. Needs CAP_SYS_NICE (root, or the unit's AmbientCapabilities); without it the thread keeps
 * the process's priority.
 */
function raisePriority(tid: number | undefined, nice: number): number | undefined {
  if (tid === undefined || nice === 0) return undefined;
  try {
    os.setPriority(tid, nice);
    return os.getPriority(tid);
  } catch (e) {
    log.info({ err: e, nice }, 'media plane thread keeps the normal priority');
    return undefined;
  }
}

/**
 * The text of a failed request as it crosses to the daemon's thread: a message already said from a
 * template goes as it is (the client finds its key again), anything else (a Node or OS error) inside
 * media.plane.failed, so a Chinese client still has a sentence of its own around the detail.
 */
function templated(op: string, text: string): string {
  if (text && parseReason(text)) return text;
  return say('media.plane.failed', { op, why: text || say('media.noMessage') });
}

const data = (workerData ?? {}) as { level?: string; nice?: number };
const log = forwardingLogger(LEVELS[data.level ?? 'info'] ?? 30, {});
const host = new PlaneHost({ post, log });
parentPort!.on('message', (m: ToPlane) => {
  if (m.t === 'cmd') {
    try {
      host.command(m.cmd);
    } catch (e) {
      log.error({ err: e, op: m.cmd.op }, 'media plane command failed');
    }
    return;
  }
  host.request(m.req).then(
    (value) => post({ t: 'res', id: m.id, ok: true, value }),
    (e: unknown) => {
      const err = e as { code?: unknown; message?: unknown };
      post({
        t: 'res',
        id: m.id,
        ok: false,
        // a Node error's code (EADDRINUSE) is no VcError code: the daemon's thread would pass it on as one
        code: (VC_ERROR_CODES as readonly unknown[]).includes(err.code) ? (err.code as string) : 'MEDIA_FAILED',
        message: templated(m.req.op, String(err.message ?? e)),
      });
    },
  );
});
const tid = kernelTid();
post({ t: 'ready', tid, nice: raisePriority(tid, data.nice ?? 0) });
