/** True when the runtime's ICU knows this IANA zone (e.g. "Asia/Shanghai"). */
export function isValidTimeZone(tz: string): boolean {
  if (tz.trim() === '') return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return true;
  } catch (e) {
    // Intl throws RangeError for an unknown zone; anything else is a real fault
    if (e instanceof RangeError) return false;
    throw e;
  }
}
