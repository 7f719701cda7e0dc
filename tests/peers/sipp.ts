// sipp (Debian sip-tester) as a load generator against our stack, for tests and bench/sip.ts.
//
//   const r = await runSipp({ port: stack.ports.udp!, scenario: 'options', rate: 500, count: 2000 });
//   expect(r.failed).toBe(0);
//
// Scenarios: 'options' (OPTIONS → 200), 'invite-bye' (sipp's built-in uac: INVITE, optional
// 100/180/183, 200, ACK, BYE → 200), or a path to your own XML. Counts come from sipp's
// statistics CSV (-trace_stat) at the end of the run. `cpu` pins sipp with taskset.
//
// startSippUas() runs sipp the other way round, as a peer that answers OPTIONS with 200 (to
// measure our own OPTIONS probes): `const uas = await startSippUas(); ...; await uas.stop()`.
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePortRun, removeDir, startProc, tempDir } from './proc.js';

export interface SippOptions {
  host?: string;
  port: number;
  transport?: 'udp' | 'tcp';
  scenario: 'options' | 'invite-bye' | string;
  /** Calls (transactions) per second. */
  rate: number;
  /** Total calls; sipp stops after them. */
  count: number;
  /** Most calls open at once (-l); default rate * 4. */
  limit?: number;
  /** User part of the Request-URI (-s). */
  service?: string;
  /** Pin sipp to this CPU (taskset -c). */
  cpu?: number;
  /** Kill sipp after this long (default: enough for count/rate + 15 s). */
  timeoutMs?: number;
  /** Extra sipp arguments. */
  args?: string[];
}

export interface SippResult {
  successful: number;
  failed: number;
  retransmissions: number;
  /** Wall time sipp reported for the run. */
  elapsedMs: number;
  /** successful / elapsed seconds. */
  perSecond: number;
  exitCode: number | null;
  output: string;
}

/** The head of a UAS's 200 OK to the request it last took (as sipp's scenario text: indented, no CRLF). */
const OK_200 = `      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]`;

const OPTIONS_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="vcbridge options">
  <send retrans="500">
    <![CDATA[
      OPTIONS sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Max-Forwards: 70
      User-Agent: sipp
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" timeout="5000" />
</scenario>
`;

const OPTIONS_UAS_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="vcbridge options uas">
  <recv request="OPTIONS" />
  <send>
    <![CDATA[
${OK_200}
      Server: sipp-uas
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

/**
 * The opening of a sipp UAS scenario for a room the bridge dials: it takes the INVITE (the caller's From
 * as [$caller], its Contact URI as [$contact], each capture's first group as [$name]), answers 200 OK
 * with the SDP `sdp` (one string a line; sipp fills [media_port], [len], ...) and waits for the ACK.
 */
export function answerInvite(sdp: string[], captures: { regexp: string; name: string }[] = []): string {
  const ereg = (regexp: string, where: string, assign: string): string =>
    `      <ereg regexp="${regexp}" ${where} check_it="true" assign_to="${assign}" />`;
  const contact = `m${captures.length + 1}`;
  const vars = [...captures.map((_, i) => `m${i + 1}`), contact];
  return `  <recv request="INVITE">
    <action>
${[
  ...captures.map((c, i) => ereg(c.regexp, 'search_in="msg"', `m${i + 1},${c.name}`)),
  ereg('^.*$', 'search_in="hdr" header="From:"', 'caller'),
  ereg('&lt;([^>]*)>', 'search_in="hdr" header="Contact:"', `${contact},contact`),
].join('\n')}
    </action>
  </recv>
  <Reference variables="${vars.join(',')}" />
  <send>
    <![CDATA[
${OK_200}
      Contact: <sip:room@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

${sdp.map((l) => `      ${l}`).join('\n')}
    ]]>
  </send>
  <recv request="ACK" />`;
}

function stat(header: string[], row: string[], name: string): number {
  const i = header.indexOf(name);
  return i >= 0 ? Number(row[i]) || 0 : 0;
}

/** A sipp time stamp cell: "2026-11-26\t04:51:48.661706\t1795668708.661706" → epoch ms. */
function epochMs(cell: string | undefined): number {
  return Number((cell ?? '').split('\t')[2] ?? 0) * 1000;
}

export async function runSipp(o: SippOptions): Promise<SippResult> {
  const dir = tempDir('sipp');
  try {
    let scenarioArgs: string[];
    if (o.scenario === 'options') {
      writeFileSync(join(dir, 'options.xml'), OPTIONS_XML);
      scenarioArgs = ['-sf', join(dir, 'options.xml')];
    } else if (o.scenario === 'invite-bye') {
      scenarioArgs = ['-sn', 'uac'];
    } else {
      scenarioArgs = ['-sf', o.scenario];
    }
    const localPort = await freePortRun(2);
    const stf = join(dir, 'stats.csv');
    const args = [
      `${o.host ?? '127.0.0.1'}:${o.port}`,
      ...scenarioArgs,
      '-i',
      '127.0.0.1',
      '-p',
      String(localPort),
      '-mp',
      String(localPort + 1),
      '-t',
      o.transport === 'tcp' ? 't1' : 'u1',
      '-s',
      o.service ?? 'bridge',
      '-r',
      String(o.rate),
      '-m',
      String(o.count),
      '-l',
      String(o.limit ?? Math.max(50, o.rate * 4)),
      '-nostdin',
      '-trace_stat',
      '-stf',
      stf,
      '-fd',
      '3600',
      '-timeout',
      `${Math.ceil((o.timeoutMs ?? (o.count / o.rate) * 1000 + 15_000) / 1000)}s`,
      '-timeout_error',
      ...(o.args ?? []),
    ];
    const [cmd, argv] =
      o.cpu !== undefined ? (['taskset', ['-c', String(o.cpu), 'sipp', ...args]] as const) : (['sipp', args] as const);
    const proc = startProc(cmd, [...argv], { name: 'sipp', cwd: dir });
    const exitCode = await proc.exited;
    const output = proc.output();
    if (!existsSync(stf)) throw new Error(`sipp wrote no statistics (exit ${exitCode}):\n${output.slice(-3000)}`);
    const lines = readFileSync(stf, 'utf8').trim().split('\n');
    const header = lines[0]!.split(';');
    const row = lines[lines.length - 1]!.split(';');
    const successful = stat(header, row, 'SuccessfulCall(C)');
    const elapsed = epochMs(row[header.indexOf('CurrentTime')]) - epochMs(row[header.indexOf('StartTime')]);
    return {
      successful,
      failed: stat(header, row, 'FailedCall(C)'),
      retransmissions: stat(header, row, 'Retransmissions(C)'),
      elapsedMs: elapsed,
      perSecond: elapsed > 0 ? successful / (elapsed / 1000) : 0,
      exitCode,
      output,
    };
  } finally {
    removeDir(dir);
  }
}

export interface SippUas {
  readonly port: number;
  /** Stop it; resolves with how many OPTIONS it answered. */
  stop(): Promise<{ answered: number; output: string }>;
}

/** sipp as an OPTIONS responder on 127.0.0.1 (UDP), optionally pinned to a CPU. */
export async function startSippUas(o: { cpu?: number } = {}): Promise<SippUas> {
  const dir = tempDir('sipp-uas');
  writeFileSync(join(dir, 'uas.xml'), OPTIONS_UAS_XML);
  const port = await freePortRun(2);
  const stf = join(dir, 'stats.csv');
  const args = [
    '-sf',
    join(dir, 'uas.xml'),
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-mp',
    String(port + 1),
    '-t',
    'u1',
    '-nostdin',
    '-trace_stat',
    '-stf',
    stf,
    '-fd',
    '1',
  ];
  const [cmd, argv] =
    o.cpu !== undefined ? (['taskset', ['-c', String(o.cpu), 'sipp', ...args]] as const) : (['sipp', args] as const);
  const proc = startProc(cmd, [...argv], { name: 'sipp-uas', cwd: dir });
  // ready when its socket is bound: give it a moment, then check it did not die
  await new Promise((r) => setTimeout(r, 300));
  if (proc.child.exitCode !== null) throw new Error(`sipp uas exited:\n${proc.output().slice(-2000)}`);
  return {
    port,
    async stop() {
      await new Promise((r) => setTimeout(r, 1100)); // let the last statistics line be written
      await proc.stop();
      let answered = 0;
      if (existsSync(stf)) {
        const lines = readFileSync(stf, 'utf8').trim().split('\n');
        const header = lines[0]!.split(';');
        answered = stat(header, lines[lines.length - 1]!.split(';'), 'SuccessfulCall(C)');
      }
      const output = proc.output();
      removeDir(dir);
      return { answered, output };
    },
  };
}
