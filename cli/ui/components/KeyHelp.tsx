import { Box, Text } from 'ink';

/**
 * The help line: "m mute/unmute · f give floor · q back". Keys bold, labels dim. On a narrow terminal
 * it wraps between keys, never inside one, and never hides a key.
 */
export function KeyHelp({ keys }: { keys: readonly (readonly [key: string, label: string])[] }) {
  return (
    <Box flexWrap="wrap">
      {keys.map(([k, label], i) => (
        <Text key={k}>
          <Text bold>{k}</Text>
          <Text dimColor> {label}</Text>
          {i < keys.length - 1 ? <Text dimColor> · </Text> : null}
        </Text>
      ))}
    </Box>
  );
}
