// A real linphonec (Debian linphone-cli) as a second kind of SIP endpoint for tests.
//
//   const lin = await startLinphone({ name: 'lin' });
//   await stack.options({ uri: lin.uri, transport: 'udp' });
//   lin.command('call sip:...');      // linphonec console commands go to its stdin
//   await lin.stop();
//
// linphonec gets HOME in a temp dir (it does not listen unless $HOME/.local/share/linphone
// exists), a linphonerc binding 127.0.0.1 UDP+TCP on a free port, no video, no sound card
// (it logs that it found none and works anyway), and its stdin kept open (EOF makes it quit).
// Ready when it answers OPTIONS.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { udpOptionsPing } from './kamailio.js';
import { freePortRun, removeDir, startProc, tempDir } from './proc.js';
import { sleep } from '../helpers/wait.js';

export interface LinphoneOptions {
  name?: string;
  /** Answer incoming calls automatically (default false). */
  autoAnswer?: boolean;
  /** Send DTMF (digits typed on its console) by SIP INFO instead of RFC 4733 (default false). */
  dtmfInfo?: boolean;
  /** SDES-SRTP mandatory (media_encryption=srtp, media_encryption_mandatory=1): it offers and
   *  accepts only RTP/SAVP with a=crypto (default: plain RTP). */
  srtpMandatory?: boolean;
}

export interface Linphone {
  readonly name: string;
  readonly uri: string;
  readonly port: number;
  readonly dir: string;
  /** Write one linphonec console command (e.g. "call sip:x@127.0.0.1:5060", "terminate"). */
  command(line: string): void;
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

export async function startLinphone(opts: LinphoneOptions = {}): Promise<Linphone> {
  const name = opts.name ?? 'linphone';
  const dir = tempDir(`linphone-${name}`);
  mkdirSync(join(dir, '.local', 'share', 'linphone'), { recursive: true });
  const port = await freePortRun(5); // SIP, then audio/video RTP+RTCP
  const rc = join(dir, 'linphonerc');
  writeFileSync(
    rc,
    [
      '[sip]',
      `sip_port=${port}`,
      `sip_tcp_port=${port}`,
      'bind_address=127.0.0.1',
      `contact="${name}" <sip:${name}@127.0.0.1>`,
      `auto_answer=${opts.autoAnswer ? 1 : 0}`,
      ...(opts.dtmfInfo ? ['use_info=1', 'use_rfc2833=0'] : []),
      ...(opts.srtpMandatory ? ['media_encryption=srtp', 'media_encryption_mandatory=1'] : []),
      '[rtp]',
      `audio_rtp_port=${port + 1}`,
      `video_rtp_port=${port + 3}`,
      '[video]',
      'capture=0',
      'display=0',
      '[sound]',
      '',
    ].join('\n'),
  );
  const args = ['-c', rc, ...(opts.autoAnswer ? ['-a'] : [])];
  const proc = startProc('linphonec', args, {
    name: `linphonec ${name}`,
    cwd: dir,
    env: { ...process.env, HOME: dir },
  });
  const deadline = Date.now() + 10_000;
  let ready = false;
  while (!ready && Date.now() < deadline) {
    if (proc.child.exitCode !== null) break;
    ready = (await udpOptionsPing(port, 300)) !== undefined;
    if (!ready) await sleep(150);
  }
  if (!ready) {
    const out = proc.output();
    await proc.stop();
    removeDir(dir);
    throw new Error(`linphonec did not answer OPTIONS on 127.0.0.1:${port}:\n${out.slice(-3000)}`);
  }
  return {
    name,
    uri: `sip:${name}@127.0.0.1:${port}`,
    port,
    dir,
    command: (line) => void proc.child.stdin?.write(line + '\n'),
    waitFor: (re, timeoutMs) => proc.waitFor(re, timeoutMs),
    log: () => proc.output(),
    stop: async () => {
      proc.child.stdin?.write('quit\n');
      await Promise.race([proc.exited, sleep(1500)]);
      await proc.stop();
      removeDir(dir);
    },
  };
}
