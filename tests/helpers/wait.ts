// Waiting in tests: for a condition with a generous deadline (never a fixed pause standing in for
// "it should be done by now"), or for a plain pause where a test needs time to pass.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` every `stepMs` until it holds; throws, naming `what`, when `ms` pass first. */
export async function until(
  what: string,
  fn: () => boolean | Promise<boolean>,
  ms: number,
  stepMs = 100,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Poll `fn` every `stepMs` until it gives a value (not undefined) and return that; throws, naming `what`, when `ms` pass first. */
export async function untilValue<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms: number,
  stepMs = 100,
): Promise<T> {
  let v: T | undefined;
  await until(what, async () => (v = await fn()) !== undefined, ms, stepMs);
  return v as T;
}
