import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering rules of eslint.config.js, run for real (the config `npm run lint` uses) on planted
// imports: each upward import must be refused by no-restricted-imports with a message naming the
// layering rule; the imports that point the right way must pass.

// The planted files exist only in memory, so type-aware parsing (which needs them in the TS project)
// is switched off for them; the import rules are the project's own.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
});

async function refusals(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const upward: [file: string, code: string][] = [
  ['daemon/store/Planted.ts', "import type { Conference } from '../conference/Conference.js';"],
  ['daemon/config/Planted.ts', "import type { Store } from '../store/Store.js';"],
  ['daemon/sip/Planted.ts', "import type { Scheduler } from '../scheduler/Scheduler.js';"],
  ['daemon/sip/Planted.ts', "import type { SipMediaLeg } from '../media/SipMediaLeg.js';"],
  ['daemon/media/rtp/Planted.ts', "import { RpcServer } from '../../api/RpcServer.js';"],
  ['daemon/media/Planted.ts', "import type { SipStack } from '../sip/SipStack.js';"],
  ['daemon/health/Planted.ts', "import { JoinServer } from '../web/JoinServer.js';"],
  ['daemon/health/Planted.ts', "import type { SipStack } from '../sip/SipStack.js';"],
  ['daemon/util/Planted.ts', "import type { Daemon } from '../Daemon.js';"],
  ['daemon/conference/Planted.ts', "import type { Scheduler } from '../scheduler/Scheduler.js';"],
  ['daemon/conference/Planted.ts', "export type { MethodRouter } from '../api/MethodRouter.js';"],
  ['daemon/scheduler/Planted.ts', "import type { RpcServer } from '../api/RpcServer.js';"],
  ['cli/commands/Planted.ts', "import { VcError } from '../../daemon/errors.js';"],
  ['protocol/Planted.ts', "import type { Endpoint } from '../daemon/config/schema.js';"],
  ['protocol/Planted.ts', "import { z } from 'zod';"],
];

const allowed: [file: string, code: string][] = [
  [
    'daemon/conference/Planted.ts',
    "import type { SipMediaLeg } from '../media/SipMediaLeg.js';\nimport type { ConferenceView } from '../../protocol/index.js';",
  ],
  [
    'daemon/store/Planted.ts',
    "import type { AuditEntry } from '../../protocol/index.js';\nimport { VcError } from '../errors.js';",
  ],
  ['daemon/scheduler/Planted.ts', "import type { ConferenceManager } from '../conference/ConferenceManager.js';"],
  ['cli/commands/Planted.ts', "import type { ConferenceView } from '../../protocol/index.js';"],
  ['protocol/Planted.ts', "import type { ConferenceView } from './conferences.js';"],
];

describe('lint: imports point one way', () => {
  it.each(upward)('%s: refuses %s', async (file, code) => {
    const messages = await refusals(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('layering (eslint.config.js)');
  });

  it.each(allowed)('%s: allows %s', async (file, code) => {
    expect(await refusals(file, code)).toEqual([]);
  });
});
