import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from './config/load.js';
import { Daemon } from './Daemon.js';
import { exitOnCrash } from './crash.js';
import { VcError, toVcError } from './errors.js';
import { createLogger } from './util/logger.js';
import { setListenerErrorReporter } from './util/TypedEmitter.js';
import { VERSION } from './version.js';

const USAGE = `usage: vcbridged --config FILE [--data-dir DIR] [--log-file FILE] [--log-level LEVEL]
       vcbridged --check --config FILE     validate the config and exit (0 valid, 1 invalid)`;

/** Default data dir: VCBRIDGE_DATA_DIR, else /var/lib/vcbridge for root, else ~/.local/state/vcbridge. */
export function defaultDataDir(): string {
  if (process.env.VCBRIDGE_DATA_DIR) return process.env.VCBRIDGE_DATA_DIR;
  if (process.getuid?.() === 0) return '/var/lib/vcbridge';
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'vcbridge');
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        'data-dir': { type: 'string' },
        'log-file': { type: 'string' },
        'log-level': { type: 'string' },
        'api-port': { type: 'string' },
        check: { type: 'boolean' },
        json: { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`vcbridged: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const configFile = args.config ?? process.env.VCBRIDGE_CONFIG;
  if (!configFile) {
    process.stderr.write(`vcbridged: --config FILE is required\n${USAGE}\n`);
    return 2;
  }
  if (args.check) return checkOnly(configFile, Boolean(args.json));

  let cfgLog: { level?: string; file?: string } = {};
  try {
    cfgLog = loadConfig(configFile).config.logging;
  } catch (err) {
    return fail(err, 'load the config');
  }
  // flag > environment > config file
  const log = createLogger({
    level: args['log-level'] ?? (process.env.VCBRIDGE_LOG_LEVEL || undefined) ?? cfgLog.level,
    file: args['log-file'] ?? cfgLog.file,
  });
  const apiPort = args['api-port'] !== undefined ? Number(args['api-port']) : undefined;
  if (apiPort !== undefined && !(Number.isInteger(apiPort) && apiPort >= 0 && apiPort < 65536)) {
    process.stderr.write(`vcbridged: --api-port must be a port number, got "${args['api-port']}"\n`);
    return 2;
  }
  // Signals are handled from the first moment: one that arrives while the layers are still
  // starting stops the daemon as soon as the start has finished.
  let daemon: Daemon | undefined;
  let stopRequested: string | undefined;
  let reloadRequested = false;
  const stop = (sig: string) => {
    // A second signal while stopping means "now".
    if (stopRequested) process.exit(1);
    stopRequested = sig;
    setTimeout(() => {
      log.error('graceful stop took longer than 5 s; exiting anyway');
      log.flush();
      process.exit(1);
    }, 5000).unref();
    if (daemon) void daemon.stop(sig);
  };
  const reload = () => {
    if (!daemon) reloadRequested = true;
    else daemon.reload().catch(() => undefined /* reload() logged why; the old config stays */);
  };
  setListenerErrorReporter((event, err) =>
    log.error({ err, event }, 'an event listener failed (bug); the emitter carried on'),
  );
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', reload);
  exitOnCrash(log);
  try {
    daemon = await Daemon.start({
      configFile: resolve(configFile),
      dataDir: resolve(args['data-dir'] ?? defaultDataDir()),
      log,
      apiPort,
    });
  } catch (err) {
    const e = toVcError(err);
    log.fatal({ code: e.code, err: e.code === 'INTERNAL' ? err : undefined }, e.message);
    log.flush();
    return fail(e, 'start');
  }
  if (stopRequested) void daemon.stop(stopRequested);
  else if (reloadRequested) reload();
  await daemon.stopped;
  log.flush();
  return 0;
}

function checkOnly(file: string, json: boolean): number {
  try {
    const { config, warnings } = loadConfig(file);
    if (json)
      process.stdout.write(`${JSON.stringify({ ok: true, file, endpoints: config.endpoints.length, warnings })}\n`);
    else {
      for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
      process.stdout.write(
        `${file}: valid (${config.endpoints.length} endpoints, ${config.operators.length} operators)\n`,
      );
    }
    return 0;
  } catch (err) {
    const e = toVcError(err, 'CONFIG_INVALID');
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: e.toJSON() })}\n`);
    else process.stderr.write(`${e.message}\n`);
    return 1;
  }
}

function fail(err: unknown, what: string): number {
  const e = err instanceof VcError ? err : toVcError(err);
  process.stderr.write(`vcbridged: cannot ${what}: ${e.message}\n`);
  return 1;
}
