/** What must never reach a log line: API keys, hold tokens, full email addresses, phone numbers. */
const RULES: [RegExp, string | ((...groups: string[]) => string)][] = [
  [/\bBearer\s+\S+/gi, 'Bearer [redacted]'],
  [/\b(access_token|token|key)=([^&\s"']+)/gi, '$1=[redacted]'],
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[token]'],
  [/\b(prv|cli|brd)_[A-Za-z0-9_-]{16,}/g, '$1_[redacted]'],
  // Any local part the API takes (RFC 5322 atext, UTF-8), up to the delimiters around an address; any domain, international too.
  // It starts only where a run of such characters starts: a long run without a domain after it is scanned once, not once per character.
  [/(?<![^\s@<>"(),:;[\]\\])([^\s@<>"(),:;[\]\\])[^\s@<>"(),:;[\]\\]*@((?:[\p{L}\p{N}-]+\.)+\p{L}[\p{L}\p{N}-]+)/gu, '$1***@$2'],
  [/\+(\d{2})\d{3,11}(\d{2})\b/g, '+$1*****$2'],
];

/** Something every rule needs (a keyword, `=`, `@`, `+`): most log text has none, and is left after one scan. */
const MAY_HOLD_SECRET = /bearer|[=@+]|eyJ|prv_|cli_|brd_/i;

export function redact(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return RULES.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement as string), text);
}
