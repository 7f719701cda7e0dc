import { NOTIFICATION_NAMES } from '../../protocol/index.js';

/** Whether `topic` may be subscribed to: a notification's name, '*', or a dotted head of some
 *  ('endpoint.*'). Anything else is refused, so a connection's topic set stays small. */
export function isKnownTopic(topic: string): boolean {
  if (topic === '*' || Object.hasOwn(NOTIFICATION_NAMES, topic)) return true;
  if (!topic.endsWith('.*')) return false;
  const head = topic.slice(0, -1);
  return Object.keys(NOTIFICATION_NAMES).some((n) => n.startsWith(head));
}
