// A real kamailio (Debian package) as the upstream registrar/proxy for tests.
//
//   const k = await startKamailio({ users: { zhengzhou: 'secret' } });
//   stack.register({ registrar: { uri: k.uri, transport: 'udp' }, aor: `sip:zhengzhou@${k.domain}`, ... });
//   await k.restart();   // same ports, empty location table
//   await k.stop();
//
// Config (written to a temp dir): listens on 127.0.0.1 UDP+TCP on a free port; REGISTER needs
// digest auth (MD5, qop=auth) against per-user plain passwords (auth module's pv_auth_check, so
// no database); registrations are kept in memory (usrloc db_mode 0) and lost on restart; other
// requests to a registered user are relayed to its contact (INVITEs record-routed, and each
// in-dialog request it relays is logged as "in-dialog <METHOD> relayed"), so a request sent to
// sip:user@domain through kamailio proves the registration. kamailio runs in the foreground
// (-DD -E) with its own runtime dir (-Y), small memory pools, 2 children.
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePortRun, removeDir, startProc, tempDir, type Proc } from './proc.js';
import { sleep } from '../helpers/wait.js';

export interface KamailioOptions {
  /** user → password for REGISTER digest auth. */
  users?: Record<string, string>;
  /** Digest realm and SIP domain (default "vcbridge.test"). */
  domain?: string;
  /** Smallest Expires accepted (default 2 s, so tests can refresh quickly). */
  minExpires?: number;
  /**
   * Rewrite the SDP of every reply it relays (textops subst_body, regex and replacement): a room whose
   * answer says something its own software cannot be made to say, e.g. baresip's fixed H.264 level.
   */
  replySdp?: { from: string; to: string };
  /** The same for the SDP of every INVITE it relays: what a room's software is offered. */
  requestSdp?: { from: string; to: string };
}

/**
 * replySdp for a room that negotiated H.264 level 2.0 (CIF, 352×288): baresip 1.0 always answers level
 * 3.1, a CIF-only room system answers 42e014.
 */
export const LEVEL_2_0_ANSWER = { from: 'profile-level-id=42e01f', to: 'profile-level-id=42e014' } as const;

export interface Kamailio {
  /** sip:127.0.0.1:port — the registrar/proxy URI. */
  readonly uri: string;
  readonly port: number;
  readonly domain: string;
  readonly dir: string;
  /** Console output of the current run. */
  log(): string;
  /** Stop it (the location table is lost). */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
  restart(): Promise<void>;
}

function config(
  port: number,
  domain: string,
  users: Record<string, string>,
  minExpires: number,
  replySdp?: { from: string; to: string },
  requestSdp?: { from: string; to: string },
): string {
  const passwords = Object.entries(users)
    .map(([u, p]) => `  if ($au == "${u}") { $var(pw) = "${p}"; }`)
    .join('\n');
  return `#!KAMAILIO
debug=2
log_stderror=yes
log_facility=LOG_LOCAL0
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
alias="${domain}"
dns=no
rev_dns=no
server_header="Server: kamailio-test"
user_agent_header="User-Agent: kamailio-test"

loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "auth.so"

modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", ${minExpires})
modparam("registrar", "default_expires", 60)
modparam("rr", "enable_full_lr", 1)
modparam("auth", "nonce_expire", 60)

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (is_method("OPTIONS") && uri == myself && $rU == $null) { sl_send_reply("200", "Keepalive"); exit; }${
    requestSdp
      ? `
  if (is_method("INVITE") && has_body("application/sdp") && subst_body("/${requestSdp.from}/${requestSdp.to}/g")) {
    xlog("L_INFO", "request SDP rewritten\\n");
  }`
      : ''
  }
  if (has_totag()) {
    xlog("L_INFO", "in-dialog $rm routed=$rr\n");
    if (loose_route()) { xlog("L_INFO", "in-dialog $rm relayed\n"); t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("REGISTER")) {
    $var(pw) = "";
${passwords}
    if ($var(pw) == "" || !pv_auth_check("${domain}", "$var(pw)", "0", "1")) {
      auth_challenge("${domain}", "1");
      exit;
    }
    xlog("L_INFO", "REGISTER ok for $au expires=$hdr(Expires)\\n");
    if (!save("location")) { sl_reply_error(); }
    exit;
  }
  if (is_method("INVITE")) { record_route(); }
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
${
  replySdp
    ? `
onreply_route {
  if (has_body("application/sdp") && subst_body("/${replySdp.from}/${replySdp.to}/g")) {
    xlog("L_INFO", "reply SDP rewritten\\n");
  }
}
`
    : ''
}`;
}

/** Send one OPTIONS over UDP and wait for any final response (readiness probe). */
export function udpOptionsPing(port: number, timeoutMs = 500): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const id = randomBytes(8).toString('hex');
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, timeoutMs);
    s.on('message', (m) => {
      const line = m.toString('latin1').split('\r\n')[0] ?? '';
      if (/^SIP\/2\.0 [2-6]\d\d/.test(line)) {
        clearTimeout(t);
        s.close();
        resolve(line);
      }
    });
    s.bind(0, '127.0.0.1', () => {
      const lp = s.address().port;
      const msg = `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK${id};rport\r\nFrom: <sip:ping@127.0.0.1>;tag=${id}\r\nTo: <sip:127.0.0.1:${port}>\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
      s.send(msg, port, '127.0.0.1');
    });
  });
}

export async function startKamailio(opts: KamailioOptions = {}): Promise<Kamailio> {
  const domain = opts.domain ?? 'vcbridge.test';
  const dir = tempDir('kamailio');
  const port = await freePortRun(1);
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, config(port, domain, opts.users ?? {}, opts.minExpires ?? 2, opts.replySdp, opts.requestSdp));
  let proc: Proc | undefined;

  const start = async (): Promise<void> => {
    proc = startProc('kamailio', ['-DD', '-E', '-f', cfg, '-Y', dir, '-w', dir, '-m', '32', '-M', '4', '-a', 'no'], {
      name: 'kamailio',
      cwd: dir,
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.child.exitCode !== null)
        throw new Error(`kamailio exited (${proc.child.exitCode}):\n${proc.output().slice(-3000)}`);
      if (await udpOptionsPing(port, 300)) return;
      await sleep(100);
    }
    await proc.stop();
    throw new Error(`kamailio did not answer OPTIONS on 127.0.0.1:${port} within 10 s:\n${proc.output().slice(-3000)}`);
  };
  const stop = async (): Promise<void> => {
    await proc?.stop(3000);
  };

  try {
    await start();
  } catch (e) {
    removeDir(dir);
    throw e;
  }
  return {
    uri: `sip:127.0.0.1:${port}`,
    port,
    domain,
    dir,
    log: () => proc?.output() ?? '',
    start,
    stop: async () => {
      await stop();
    },
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/** Stop it and remove its directory (afterAll). */
export async function disposeKamailio(k: Kamailio | undefined): Promise<void> {
  if (!k) return;
  await k.stop();
  removeDir(k.dir);
}
