import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Store } from '../../daemon/store/Store.js';

const dir = mkdtempSync(join(tmpdir(), 'vc-store-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Confirmed {
  audit: number[];
  cdr: number[];
  healthRounds: number[];
}

/** Start the writer, let it confirm `rows` audit rows, SIGKILL it, return what it confirmed. */
function runAndKill(file: string, rows: number): Promise<Confirmed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/store-writer.ts', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const got: Confirmed = { audit: [], cdr: [], healthRounds: [] };
    let buf = '';
    let stderr = '';
    let killed = false;
    // a generous deadline: on a busy machine the writer is slow, not wrong
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer confirmed only ${got.audit.length} rows in 120 s; stderr: ${stderr}`));
    }, 120_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, value] = line.split(' ');
        if (kind === 'A') got.audit.push(Number(value));
        else if (kind === 'C') got.cdr.push(Number(value));
        else if (kind === 'H') got.healthRounds.push(Number(value));
      }
      if (!killed && got.audit.length >= rows) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself (code ${code}); stderr: ${stderr}`));
      else resolve(got);
    });
  });
}

describe('store durability', () => {
  it('every row a writer reported committed survives SIGKILL of the writer, three times over', async () => {
    const file = join(dir, 'kill.db');
    const all: Confirmed = { audit: [], cdr: [], healthRounds: [] };
    for (let round = 0; round < 3; round++) {
      // a random moment: somewhere between a few hundred and a few thousand rows in
      const got = await runAndKill(file, 300 + Math.floor(Math.random() * 2500));
      all.audit.push(...got.audit);
      all.cdr.push(...got.cdr);
      all.healthRounds.push(...got.healthRounds);
      expect(got.audit.length).toBeGreaterThan(0);

      const store = Store.open(file);
      try {
        expect(store.integrityCheck()).toBe('ok');
        const missingAudit = all.audit.filter((id) => store.audit.get(id) === undefined);
        const missingCdr = all.cdr.filter((id) => store.cdr.get(id) === undefined);
        expect(missingAudit).toEqual([]);
        expect(missingCdr).toEqual([]);
      } finally {
        store.close();
      }
      // a multi-row transaction is all or nothing, even when the kill lands inside one
      const db = new Database(file, { readonly: true });
      try {
        const counts = db.prepare('SELECT at, count(*) AS n FROM health_samples GROUP BY at').all() as {
          at: number;
          n: number;
        }[];
        expect(counts.filter((c) => c.n % 8 !== 0)).toEqual([]);
        const present = new Set(counts.map((c) => c.at));
        // rounds restart n from 0 in each child, so only check presence, not uniqueness
        expect(all.healthRounds.filter((n) => !present.has(n))).toEqual([]);
      } finally {
        db.close();
      }
    }
  }, 400_000);
});
