// kamailio as the upstream's registrar and proxy, for conference tests and the demo: every REGISTER
// and INVITE must authenticate (digest, one shared password for the demo users), registered
// contacts are kept in memory, and an INVITE to a registered user (the upstream MCU, a baresip) is
// proxied to it. Runs in the foreground on 127.0.0.1 from a temp dir; stop() kills it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';

export interface KamailioOptions {
  password: string;
  realm?: string;
  port?: number;
  host?: string;
  /** Send every authenticated INVITE for this server to the MCU (sip:user@host:port), as an MCU's
   *  front door does; without it an INVITE goes to the registered contact of its user. */
  mcu?: string;
}

function config(o: Required<Omit<KamailioOptions, 'mcu'>> & { mcu?: string }): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
auto_aliases=no
listen=udp:${o.host}:${o.port}
alias="${o.host}:${o.port}"
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "min_expires", 10)

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (!sanity_check()) { exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("OPTIONS") && uri==myself && $rU==$null) { sl_send_reply("200", "OK"); exit; }
  if (is_method("REGISTER")) {
    if (!pv_www_authenticate("${o.realm}", "${o.password}", "0")) { www_challenge("${o.realm}", "0"); exit; }
    xlog("L_NOTICE", "REGISTER ok $fu -> $ct expires $hdr(Expires)\\n");
    if (!save("location")) { sl_reply_error(); }
    exit;
  }
  if (is_method("INVITE")) {
    if (!pv_proxy_authenticate("${o.realm}", "${o.password}", "0")) { proxy_challenge("${o.realm}", "0"); exit; }
    consume_credentials();
    xlog("L_NOTICE", "INVITE $fu -> $ru authenticated\\n");
    record_route();
  }
  if (uri==myself) {
${
  o.mcu
    ? `    if (is_method("INVITE")) { $ru = "${o.mcu}"; t_relay(); exit; }
`
    : ''
}    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  }
  if (!t_relay()) { sl_reply_error(); }
  exit;
}
`;
}

export class KamailioUpstream {
  readonly port: number;
  readonly host: string;
  readonly dir: string;
  readonly proc: ChildProcess;
  #log = '';

  private constructor(port: number, host: string, dir: string, proc: ChildProcess) {
    this.port = port;
    this.host = host;
    this.dir = dir;
    this.proc = proc;
    proc.stdout?.on('data', (d) => (this.#log += d));
    proc.stderr?.on('data', (d) => (this.#log += d));
  }

  static async start(o: KamailioOptions): Promise<KamailioUpstream> {
    const port = o.port ?? (await freePort());
    const host = o.host ?? '127.0.0.1';
    const dir = mkdtempSync(join(tmpdir(), 'vcb-kam-'));
    const file = join(dir, 'kamailio.cfg');
    writeFileSync(file, config({ password: o.password, realm: o.realm ?? 'upstream', port, host, mcu: o.mcu }));
    const proc = spawn('kamailio', ['-f', file, '-DD', '-E', '-Y', dir, '-w', dir, '-m', '32', '-M', '4'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const k = new KamailioUpstream(port, host, dir, proc);
    const deadline = Date.now() + 8000;
    while (!/INFO:.*main.*|ready|listening on/i.test(k.#log) || !k.#log.includes(String(port))) {
      if (proc.exitCode !== null) throw new Error(`kamailio exited ${proc.exitCode}:\n${k.#log}`);
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    if (proc.exitCode !== null) throw new Error(`kamailio exited ${proc.exitCode}:\n${k.#log}`);
    return k;
  }

  get log(): string {
    return this.#log;
  }

  /** sip:user@host:port at this registrar. */
  aor(user: string): string {
    return `sip:${user}@${this.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
      if (!process.env.VCB_KEEP_PEERS) rmSync(this.dir, { recursive: true, force: true });
      return;
    }
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    if (!process.env.VCB_KEEP_PEERS) rmSync(this.dir, { recursive: true, force: true });
  }
}
