// Finds English left in text meant for a Chinese-speaking operator: any ASCII word of three letters or
// more that is not an id, a unit, a protocol token or a name the caller allows; plus catalogue misses
// (a raw message key, an unfilled {placeholder}). URIs, URLs, paths, options and tokens with digits
// are taken out first: they are addresses, not words.
import { REASONS_EN } from '../../protocol/index.js';
import { cliEn } from '../../cli/ui/i18n/cliEn.js';
import { en as consoleEn } from '../../cli/ui/i18n/en.js';

/** Protocol tokens, units, codecs and product names that stay as they are in Chinese text. */
export const ALWAYS_ALLOWED = [
  'UDP',
  'TCP',
  'TLS',
  'SIP',
  'SIPS',
  'RTP',
  'RTCP',
  'SRTP',
  'SDP',
  'SDES',
  'ICE',
  'DTLS',
  'OPTIONS',
  'INVITE',
  'INFO',
  'BYE',
  'ACK',
  'REGISTER',
  'DTMF',
  'RFC',
  'ICMP',
  'DNS',
  'RTT',
  'kbps',
  'Mbps',
  'fps',
  'CIF',
  'HLS',
  'RTMP',
  'URI',
  'URL',
  'API',
  'CSV',
  'HTML',
  'ICS',
  'RRULE',
  'FREQ',
  'BYDAY',
  'WEEKLY',
  'DAILY',
  'pid',
  'PCMU',
  'PCMA',
  'opus',
  'Opus',
  'G722',
  'H264',
  'VP8',
  'AES',
  'SHA1',
  'crypto',
  'vcbridge',
  'vcbridged',
  'systemd',
  'systemctl',
  'bash',
  'root',
  'SIGTERM',
  'JSON',
  'YAML',
  'Bearer',
  'Authorization',
  'Asia',
  'Shanghai',
  'Europe',
  'Berlin',
  'UTC',
  'GMT',
  'ffmpeg',
  'GStreamer',
  'baresip',
  'source',
  'useradd',
  'sha256',
  'yaml',
  'transport',
  'udp',
  'tcp',
  'tls',
  'sip',
  'MCU',
  'ID',
  'VLC',
  'ffplay',
  'IANA',
  'ISO',
  'PIN',
  'LANG',
  'iCalendar',
  // iCalendar (RFC 5545) component, property and rule names, as written in an .ics file
  'BEGIN',
  'END',
  'VCALENDAR',
  'VEVENT',
  'DTSTART',
  'DTEND',
  'DURATION',
  'RDATE',
  'EXDATE',
  'RECURRENCE',
  'UID',
  'TZID',
  'INTERVAL',
  'MONTHLY',
  'YEARLY',
  'WKST',
  'COUNT',
  'UNTIL',
  'BYMONTH',
  'BYMONTHDAY',
  'BYWEEKNO',
  'BYYEARDAY',
  'BYSETPOS',
  'BYHOUR',
  'BYMINUTE',
  'BYSECOND',
];

export interface Offence {
  word: string;
  line: string;
}

/** Every message key of the catalogues (a key in the output means a missed lookup). */
const KEYS = [...Object.keys(consoleEn), ...Object.keys(cliEn), ...Object.keys(REASONS_EN)];

export function untranslated(text: string, allowed: ReadonlySet<string>): Offence[] {
  const out: Offence[] = [];
  for (const line of text.split('\n')) {
    for (const k of KEYS)
      if (line.includes(k) && /[a-z]\.[a-zA-Z]/.test(k)) out.push({ word: `catalogue key ${k}`, line });
    for (const m of line.matchAll(/\{\w+\}/g)) out.push({ word: `placeholder ${m[0]}`, line });
    const cleaned = line
      .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ') // URLs
      .replace(/\bsips?:[^\s,;)）]+/gi, ' ') // SIP URIs
      .replace(/(^|\s|[（(“"、，：])(\/|\.\/|~\/)[^\s,;)）”"、，]+/g, ' ') // paths
      .replace(/[\w.-]*\d[\w.-]*/g, ' ') // ids, numbers, versions, times (first: web-e6265e is an id, not "web" and an option)
      .replace(/--?[a-zA-Z][\w-]*/g, ' ') // options
      .replace(/\b[a-z]+(\.[a-zA-Z]+)+\b/g, ' ') // API method names (conference.start)
      .replace(/\b[A-Z][A-Z_]*_[A-Z_]+\b/g, ' ') // error codes (ENDPOINT_BUSY)
      .replace(/\bE[A-Z]{4,}\b/g, ' ') // errno names (ECONNREFUSED)
      .replace(/\b[\w-]+@[\w.-]+/g, ' ') // user@host
      .replace(/(\b[\w-]+)?\.(yaml|yml|ics|log|db|json|html|csv|service)\b/gi, ' '); // file names, .ics
    for (const m of cleaned.matchAll(/[A-Za-z][A-Za-z'-]*[A-Za-z]/g)) {
      const word = m[0];
      if (word.length < 3) continue;
      if (allowed.has(word) || allowed.has(word.toLowerCase())) continue;
      out.push({ word, line: line.trim() });
    }
  }
  return out;
}

/** The allow-list: the fixed tokens plus the caller's ids, names and command words. */
export function allowList(...extra: Iterable<string>[]): Set<string> {
  const s = new Set<string>(ALWAYS_ALLOWED);
  for (const e of extra) for (const w of e) for (const part of w.split(/[^A-Za-z]+/)) if (part) s.add(part);
  return s;
}
