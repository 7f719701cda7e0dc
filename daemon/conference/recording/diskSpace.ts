// Free space and write access of the recording folder.
import { accessSync, constants, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VcError } from '../../errors.js';
import { say } from '../../../protocol/index.js';

/** Bytes an unprivileged writer may still use on the folder's file system. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Create the folder if needed and prove we can write there; RECORDING_FAILED naming the problem. */
export function assertWritable(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new VcError(
      'RECORDING_FAILED',
      say('rec.notWritable', { dir, why: code || (e as Error).message }),
      { dir, errno: code || null },
      { cause: e },
    );
  }
}
