// An alarm webhook for tests of the daemon's `health.alarm.webhook`: an HTTP server on 127.0.0.1 that
// keeps every JSON body it is sent.
import { createServer } from 'node:http';

export interface AlarmHook {
  /** Where the daemon posts (health.alarm.webhook). */
  url: string;
  /** The bodies received, oldest first. */
  alarms: Record<string, unknown>[];
  close(): void;
}

export async function startAlarmHook(): Promise<AlarmHook> {
  const alarms: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      try {
        alarms.push(JSON.parse(body) as Record<string, unknown>);
      } catch {
        alarms.push({ unparsed: body }); // kept: a test may look for it
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/alarm`, alarms, close: () => server.close() };
}
