// One line of text input with its label, a hint, and its validation message right below it.
// Editing is at the end of the line only (typing and backspace): enough for a booking form.
import { Box, Text, useInput } from 'ink';
import { fit } from '../format.js';

export function TextField({ label, value, onChange, focused, error, hint, labelWidth = 12 }: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  focused: boolean;
  error?: string;
  hint?: string;
  labelWidth?: number;
}) {
  useInput(
    (input, key) => {
      if (key.backspace || key.delete) onChange([...value].slice(0, -1).join(''));
      else if (!key.ctrl && !key.meta && !key.return && !key.tab && !key.escape && !key.upArrow && !key.downArrow && input) {
        // Pasted text arrives as one string; keep only printable characters.
        const clean = input.replace(/\p{Cc}/gu, '');
        if (clean) onChange(value + clean);
      }
    },
    { isActive: focused },
  );
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color={focused ? 'cyan' : undefined}>{focused ? '› ' : '  '}</Text>
        <Text bold={focused}>{fit(label, labelWidth)}</Text>{' '}
        <Text underline={focused}>{value}</Text>
        {focused ? <Text inverse> </Text> : null}
        {!value && hint ? <Text dimColor> {hint}</Text> : null}
      </Text>
      {error ? <Text color="red" wrap="truncate-end">{' '.repeat(labelWidth + 3)}✕ {error}</Text> : null}
    </Box>
  );
}
