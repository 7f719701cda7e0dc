import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { say } from '../protocol/index.js';
import { VcError } from './errors.js';

/** One daemon per data dir: a lock file holding the owner's pid, created atomically. */
export class DataDirLock {
  readonly file: string;
  #held = false;

  private constructor(file: string) {
    this.file = file;
  }

  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const lock = new DataDirLock(join(dataDir, 'vcbridged.lock'));
    lock.#take();
    return lock;
  }

  /** Pid of the daemon holding the lock in `dataDir`, if one is alive. */
  static holder(dataDir: string): number | undefined {
    const pid = readPid(join(dataDir, 'vcbridged.lock'));
    return pid !== undefined && alive(pid) ? pid : undefined;
  }

  #take(): void {
    // Write our pid to a private file, then hard-link it into place: link() fails if the lock
    // exists, so two daemons starting at once cannot both win.
    const tmp = `${this.file}.${process.pid}`;
    const fd = openSync(tmp, 'w', 0o644);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          linkSync(tmp, this.file);
          this.#held = true;
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          const pid = readPid(this.file);
          if (pid !== undefined && pid !== process.pid && alive(pid)) {
            throw new VcError('DATA_DIR_LOCKED', say('run.locked', { pid, file: this.file }), { pid });
          }
          // The previous owner died without cleaning up: the lock is stale.
          unlinkSync(this.file);
        }
      }
      throw new VcError('DATA_DIR_LOCKED', say('run.lockFailed', { file: this.file }));
    } finally {
      unlinkSync(tmp);
    }
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    if (readPid(this.file) === process.pid) unlinkSync(this.file);
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
