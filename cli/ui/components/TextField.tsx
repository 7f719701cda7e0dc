// One line of text input with its label, a hint, and its validation message right below it. It only
// draws; the form that owns it routes keys through editText (so one handler sees every key in order).
import { Box, Text, type Key } from 'ink';
import { fit } from '../format.js';

/** The value after a key press, or null when the key is not an edit (navigation, Enter, Esc). */
export function editText(value: string, input: string, key: Key): string | null {
  if (key.backspace || key.delete) return [...value].slice(0, -1).join('');
  if (key.ctrl || key.meta || key.return || key.tab || key.escape || key.upArrow || key.downArrow || !input) return null;
  // Pasted text arrives as one string; keep only printable characters.
  const clean = input.replace(/\p{Cc}/gu, '');
  return clean ? value + clean : null;
}

export function TextField({ label, value, focused, error, hint, labelWidth = 12 }: {
  label: string;
  value: string;
  focused: boolean;
  error?: string;
  hint?: string;
  labelWidth?: number;
}) {
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color={focused ? 'cyan' : undefined}>{focused ? '› ' : '  '}</Text>
        <Text bold={focused}>{fit(label, labelWidth)}</Text>{' '}
        <Text underline={focused}>{value}</Text>
        {focused ? <Text inverse> </Text> : null}
        {!value && hint ? <Text dimColor>{focused ? ' ' : ''}{hint}</Text> : null}
      </Text>
      {error ? <Text color="red" wrap="truncate-end">{' '.repeat(labelWidth + 3)}✕ {error}</Text> : null}
    </Box>
  );
}
