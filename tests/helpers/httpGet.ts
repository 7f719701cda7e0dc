// A GET for tests that poll the daemon's HTTP port. Node's fetch keeps connections alive; when the
// daemon closes an idle one (its keep-alive timeout) just as the next poll reuses it, the request
// fails with "other side closed" before the daemon saw it. A GET is safe to send again: once.

function closedUnderUs(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET';
}

export async function get(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (err) {
    if (!closedUnderUs(err)) throw err;
    return fetch(url);
  }
}
