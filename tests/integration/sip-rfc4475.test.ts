// RFC 4475 torture messages against the built daemon: every message of tests/corpora/rfc4475/ (byte
// for byte, with its MANIFEST.tsv of expected answers) is sent over UDP, and over TCP where the
// manifest says so, from a configured endpoint's address (127.0.0.1), each on a socket of its own.
// The first final response must be what the manifest expects; the daemon must stay up and keep
// answering OPTIONS. The TCP sends go to a second daemon: the same bytes again within 32 s are a
// retransmission of the UDP transaction (RFC 3261 17.2.3 matches on branch, sent-by and method),
// answered where that transaction lives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { newId, rawSip, sipRequest, statusOf, headerOf, type RawSip } from '../peers/rawsip.js';
import { sleep } from '../helpers/wait.js';

const CORPUS = join(ROOT, 'tests', 'corpora', 'rfc4475');

interface Case {
  name: string;
  section: string;
  expect: string;
  sends: ('udp' | 'tcp')[];
  bytes: Buffer;
}

function loadCorpus(): Case[] {
  const lines = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  const cols = lines[0]!.split('\t');
  const at = (name: string): number => cols.indexOf(name);
  return lines.slice(1).map((l) => {
    const f = l.split('\t');
    return {
      name: f[at('name')]!,
      section: f[at('section')]!,
      expect: f[at('expect')]!,
      sends: f[at('send')]!.split('+') as ('udp' | 'tcp')[],
      bytes: readFileSync(join(CORPUS, `${f[at('name')]}.dat`)),
    };
  });
}

/** Does a final status (undefined: no response) satisfy the manifest's `expect`? */
function satisfies(expectSpec: string, status: number | undefined): boolean {
  return expectSpec.split('|').some((alt) => {
    if (alt === 'none') return status === undefined;
    if (status === undefined) return false;
    if (alt === 'any') return true;
    if (alt.startsWith('!')) return !alt.slice(1).split(',').map(Number).includes(status);
    if (/^\dxx$/.test(alt)) return Math.floor(status / 100) === Number(alt[0]);
    return status === Number(alt);
  });
}

const CASES = loadCorpus();
const daemons: Partial<Record<'udp' | 'tcp', RunningDaemon>> = {};

beforeAll(async () => {
  [daemons.udp, daemons.tcp] = await Promise.all([startDaemon(), startDaemon()]);
}, 120_000);
afterAll(async () => {
  await Promise.all(Object.values(daemons).map((d) => d.stop('SIGKILL')));
}, 10_000);

/** Send one message on a fresh socket; the first final response, or undefined after a quiet wait. */
async function answer(c: Case, transport: 'udp' | 'tcp'): Promise<{ status?: number; text?: string }> {
  let s: RawSip | undefined;
  try {
    s = await rawSip(transport, daemons[transport]!.sipPort);
    s.send(c.bytes);
    const final = await s.waitFor((m) => statusOf(m) >= 200, c.expect === 'none' ? 1500 : 4000).catch(() => undefined);
    return final ? { status: statusOf(final), text: final } : {};
  } finally {
    s?.close();
  }
}

describe('RFC 4475 torture messages (tests/corpora/rfc4475)', () => {
  it('the corpus is complete: 49 messages, 59 sends', () => {
    expect(CASES).toHaveLength(49);
    expect(CASES.reduce((n, c) => n + c.sends.length, 0)).toBe(59);
  });

  it('every send gets the answer the manifest expects; the daemon stays up and answers OPTIONS', async () => {
    const results: { name: string; transport: string; expect: string; got: string; ok: boolean }[] = [];
    const extra: string[] = [];
    const jobs = (['udp', 'tcp'] as const).flatMap((t) =>
      CASES.filter((c) => c.sends.includes(t)).map((c) => ({ c, t })),
    );
    // a few at a time: the machine is shared, and the daemon's 400 budget per source is finite
    for (let i = 0; i < jobs.length; i += 4) {
      await Promise.all(
        jobs.slice(i, i + 4).map(async ({ c, t }) => {
          const r = await answer(c, t);
          const got =
            r.status === undefined
              ? 'none'
              : `${r.status}${r.status === 400 ? ` (${headerOf(r.text!, 'Warning') ?? ''})` : ''}`;
          results.push({ name: c.name, transport: t, expect: c.expect, got, ok: satisfies(c.expect, r.status) });
          // an unknown method and 420 must say what we do support
          if (r.status === 501 && !headerOf(r.text!, 'Allow')) extra.push(`${c.name}/${t}: 501 without Allow`);
          if (r.status === 420 && !headerOf(r.text!, 'Unsupported'))
            extra.push(`${c.name}/${t}: 420 without Unsupported`);
        }),
      );
      await sleep(50);
    }
    const wrong = results
      .filter((r) => !r.ok)
      .map((r) => `${r.name}/${r.transport}: expected ${r.expect}, got ${r.got}`);
    console.log(
      `RFC 4475: ${results.filter((r) => r.ok).length}/${results.length} sends answered as the manifest expects`,
    );
    expect(wrong).toEqual([]);
    expect(extra).toEqual([]);
    expect(results).toHaveLength(59);
    // still up and answering
    for (const d of Object.values(daemons)) {
      expect(d.proc.exitCode).toBeNull();
      for (const t of ['udp', 'tcp'] as const) {
        const s = await rawSip(t, d.sipPort);
        try {
          s.send(
            sipRequest({
              method: 'OPTIONS',
              uri: `sip:bridge@127.0.0.1:${d.sipPort}${t === 'tcp' ? ';transport=tcp' : ''}`,
              transport: t,
              localPort: s.localPort,
            }),
          );
          expect(statusOf(await s.waitFor((m) => statusOf(m) >= 200, 4000))).toBe(200);
        } finally {
          s.close();
        }
      }
    }
  }, 240_000);

  it('the escaped methods are not taken for REGISTER or INVITE (501 with Allow)', async () => {
    const esc02 = CASES.find((c) => c.name === 'esc02')!.bytes.toString('latin1');
    // new transaction ids, so these are not retransmissions of the sends above
    const fresh = (text: string): Buffer =>
      Buffer.from(text.replace('esc02.', `esc02-${newId()}.`).replace('z9hG4bK209', `z9hG4bK${newId()}`), 'latin1');
    for (const bytes of [fresh(esc02), fresh(esc02.replaceAll('RE%47IST%45R', 'IN%56ITE'))]) {
      const r = await answer({ name: 'esc02', section: '', expect: '501', sends: ['udp'], bytes }, 'udp');
      expect(r.status).toBe(501);
      expect(headerOf(r.text!, 'Allow')).toMatch(/INVITE/);
    }
  }, 20_000);
});
