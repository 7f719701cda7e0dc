import dgram from 'node:dgram';

/** A UDP socket on 127.0.0.1, port chosen by the OS. */
export async function bindUdp(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

/** Call `tick` now and every `intervalMs`, scheduled against the start so timer lateness does not add up. */
export function pace(intervalMs: number, tick: () => void): { stop(): void } {
  const t0 = performance.now();
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  const next = (): void => {
    n++;
    tick();
    timer = setTimeout(next, Math.max(0, t0 + n * intervalMs - performance.now()));
  };
  next();
  return { stop: () => clearTimeout(timer) };
}
