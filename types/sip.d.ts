// Declarations for the parts of the npm package `sip` (0.0.6, patched by patches/sip+0.0.6.patch)
// that daemon/sip/lib.ts uses. Only daemon/sip/lib.ts imports 'sip'; everything else goes
// through it. Shapes follow what sip.js builds at run time.

declare module 'sip' {
  export interface SipUri {
    schema: string;
    user?: string;
    password?: string;
    /** Without brackets for IPv6 literals. */
    host: string;
    /** NaN when the URI has no port. */
    port?: number;
    params: Record<string, string | null | undefined>;
    headers: Record<string, string>;
  }

  export interface NameAddr {
    name?: string;
    uri: string | SipUri;
    params: Record<string, string | null | undefined>;
  }

  export interface Via {
    version?: string;
    protocol: string;
    host: string;
    port?: number;
    params: Record<string, string | number | null | undefined>;
  }

  export interface CSeq {
    seq: number;
    method: string;
  }

  /** One Digest/Basic challenge or credentials header; values keep their quotes. */
  export interface AuthHeader {
    scheme: string;
    [param: string]: string | undefined;
  }

  export interface SipHeaders {
    via?: Via[];
    to?: NameAddr;
    from?: NameAddr;
    'call-id'?: string;
    cseq?: CSeq;
    contact?: NameAddr[] | '*';
    route?: NameAddr[];
    'record-route'?: NameAddr[];
    'content-length'?: number;
    'www-authenticate'?: AuthHeader[];
    'proxy-authenticate'?: AuthHeader[];
    authorization?: AuthHeader[];
    'proxy-authorization'?: AuthHeader[];
    /** Any other header: a string (repeated headers joined with ","). */
    [name: string]: unknown;
  }

  export interface SipMessage {
    method?: string;
    uri?: string | SipUri;
    status?: number;
    reason?: string;
    version?: string;
    headers: SipHeaders;
    /** Body as a latin1 ("binary") string: one char per byte. */
    content?: string;
    // set by the patched parser / transaction layer
    badHeaders?: string[];
    badReason?: string;
    /** A 503 made locally because sending failed (error code). */
    transportError?: string;
    /** A 404 made locally because the target did not resolve. */
    resolveError?: string;
    /** Made locally (timeout, transport error), not received from the peer. */
    local?: boolean;
  }

  export interface Remote {
    protocol: string;
    address: string;
    port: number;
    local?: { address: string; port: number };
  }

  export interface SendHandle {
    aborted: boolean;
    /** Stop the client transaction (no more retransmissions, later responses ignored). */
    abort(): void;
  }

  export interface ScreenVerdict {
    reply?: SipMessage;
    close?: boolean;
  }

  export interface StackOptions {
    address?: string;
    publicAddress?: string;
    hostname?: string;
    port?: number;
    udp?: boolean;
    tcp?: boolean;
    udp_port?: number;
    tcp_port?: number;
    tls_port?: number;
    tls?: Record<string, unknown>;
    /** Options for tls.connect, or a function of the address and port connected to (vcbridge patch). */
    tlsClient?: Record<string, unknown> | ((host: string, port: number) => Record<string, unknown>);
    rport?: boolean;
    maxBytesHeaders?: number;
    maxContentLength?: number;
    headerTimeout?: number;
    idleTimeout?: number;
    maxConnections?: number;
    /** Asked for every accepted TCP/TLS socket (before a TLS handshake); false closes it at once. */
    admit?: (socket: import('node:net').Socket, protocol: string) => boolean;
    screen?: (m: SipMessage, remote: Remote) => ScreenVerdict | undefined;
    onBadMessage?: (reason: string, m: SipMessage | null, remote: Remote) => SipMessage | undefined;
    logger?: {
      error?: (e: unknown) => void;
      send?: (m: SipMessage, target: unknown) => void;
      recv?: (m: SipMessage, remote: Remote) => void;
      transportError?: (protocol: string, e: Error, remote?: unknown) => void;
    };
  }

  export interface Stack {
    send(m: SipMessage, callback?: (rs: SipMessage) => void): SendHandle;
    hostname(): string;
    listening(
      cb: (err: (Error & { code?: string; protocol?: string }) | null, ports: Record<string, number>) => void,
    ): void;
    ports(): Record<string, number>;
    destroy(): void;
  }

  export function create(options: StackOptions, callback: (m: SipMessage, remote: Remote) => void): Stack;
  export function parse(data: string | Buffer): SipMessage | undefined;
  export function parseAOR(data: { s: string; i: number }): NameAddr;
  export function stringify(m: SipMessage): string;
  export function parseUri(s: string | SipUri): SipUri | undefined;
  export function stringifyUri(uri: string | SipUri): string;
  export function makeResponse(
    rq: SipMessage,
    status: number,
    reason?: string,
    extension?: { headers?: Record<string, unknown>; content?: string },
  ): SipMessage;
  export function generateBranch(): string;
  export function messageProblem(m: SipMessage): string | undefined;
  export function makeStreamParser(
    onMessage: (m: SipMessage) => void,
    onFlood?: (reason: string) => void,
    maxBytesHeaders?: number,
    maxContentLength?: number,
  ): ((data: string) => void) & { pending(): boolean; delivered(): number };
  export function resolve(
    uri: SipUri,
    action: (addresses: { protocol: string; address: string; port: number }[]) => void,
    family?: number,
  ): void;

  const sip: {
    create: typeof create;
    parse: typeof parse;
    parseAOR: typeof parseAOR;
    stringify: typeof stringify;
    parseUri: typeof parseUri;
    stringifyUri: typeof stringifyUri;
    makeResponse: typeof makeResponse;
    generateBranch: typeof generateBranch;
    messageProblem: typeof messageProblem;
    makeStreamParser: typeof makeStreamParser;
    resolve: typeof resolve;
  };
  export default sip;
}

declare module 'sip/digest.js' {
  import type { SipMessage } from 'sip';
  export interface DigestContext {
    realm?: string;
    nonce?: string;
    qop?: string;
    algorithm?: string;
    opaque?: string;
    [k: string]: unknown;
  }
  export function challenge(ctx: DigestContext, rs: SipMessage): SipMessage;
  export function signRequest(
    ctx: DigestContext | null,
    rq: SipMessage,
    rs: SipMessage,
    creds: { user: string; password: string; realm?: string },
  ): DigestContext | null;
  export function authenticateRequest(
    ctx: DigestContext,
    rq: SipMessage,
    creds: { user: string; password: string },
  ): boolean;
  const digest: {
    challenge: typeof challenge;
    signRequest: typeof signRequest;
    authenticateRequest: typeof authenticateRequest;
  };
  export default digest;
}
