// The control API's envelope: JSON-RPC 2.0 over WebSocket, its error codes, its limits and roles.
// protocol/ is the contract between the daemon and its clients: types and constants only, it
// imports nothing from daemon/ or cli/, and every layer (and the CLI) may import it.

/** The contract's version. A client sends it in the PROTOCOL_HEADER of its WebSocket upgrade; the
 *  server refuses every call of a client that speaks another one (PROTOCOL_MISMATCH). Bump it when a
 *  change would make an older CLI misread the daemon or the daemon misread an older CLI. */
export const PROTOCOL_VERSION = 1;
/** HTTP header (lower case, as node hands it over) carrying the client's PROTOCOL_VERSION. */
export const PROTOCOL_HEADER = 'vcbridge-protocol';
export const DEFAULT_API_URL = 'ws://127.0.0.1:7443';
/** Largest JSON-RPC frame the server accepts. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export type Role = 'operator' | 'technician' | 'viewer';
export const ROLE_RANK: Record<Role, number> = { viewer: 0, technician: 1, operator: 2 };

/** JSON-RPC error codes: the standard ones, plus one server code per VcError code family. */
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;
/** Every application error uses this JSON-RPC code; `data.code` carries the VcError code. */
export const RPC_APP_ERROR = -32000;

/** The stable error codes of the API (`error.data.code`), the daemon's VcError and the CLI's --json. */
export const VC_ERROR_CODES = [
  'INTERNAL',
  'USAGE',
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'DATA_DIR_LOCKED',
  'PORT_IN_USE',
  'STORE_FAILED',
  'AUTH_REQUIRED',
  'AUTH_INVALID',
  'FORBIDDEN',
  'RATE_LIMITED',
  'BAD_REQUEST',
  'METHOD_UNKNOWN',
  'PARAMS_INVALID',
  'DAEMON_UNREACHABLE',
  'DAEMON_NOT_RUNNING',
  'TIMEOUT',
  'ENDPOINT_UNKNOWN',
  'GROUP_UNKNOWN',
  'ENDPOINT_BUSY',
  'SIP_FAILED',
  'SIP_TIMEOUT',
  'SDP_INVALID',
  'SDP_NO_COMMON_CODEC',
  'MEDIA_FAILED',
  'COMPOSITOR_UNAVAILABLE',
  'CONFERENCE_UNKNOWN',
  'CONFERENCE_ENDED',
  'CONFERENCE_LOCKED',
  'PARTICIPANT_UNKNOWN',
  'CAPACITY_EXCEEDED',
  'SCHEDULE_UNKNOWN',
  'SCHEDULE_CONFLICT',
  'SCHEDULE_INVALID',
  'ICS_INVALID',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TEMPLATE_UNKNOWN',
  'RECORDING_UNKNOWN',
  'RECORDING_FAILED',
  'PROTOCOL_MISMATCH',
] as const;

export type VcErrorCode = (typeof VC_ERROR_CODES)[number];

export interface RpcErrorData {
  code: VcErrorCode;
  details?: unknown;
}

export interface RpcRequest {
  jsonrpc: '2.0';
  id?: string | number | null;
  method: string;
  params?: unknown;
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: RpcErrorData };
}

export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params: unknown;
}
