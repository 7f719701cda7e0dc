import { Text } from 'ink';

/** The help line: "m mute/unmute · f give floor · q back". Keys bold, labels dim; wraps rather than hiding keys. */
export function KeyHelp({ keys }: { keys: readonly (readonly [key: string, label: string])[] }) {
  return (
    <Text>
      {keys.map(([k, label], i) => (
        <Text key={k}>
          {i > 0 ? <Text dimColor> · </Text> : null}
          <Text bold>{k}</Text>
          <Text dimColor> {label}</Text>
        </Text>
      ))}
    </Text>
  );
}
