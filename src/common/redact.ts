/** What must never reach a log line: API keys, hold tokens, full email addresses, phone numbers. */
const RULES: [RegExp, string | ((...groups: string[]) => string)][] = [
  [/\bBearer\s+\S+/gi, 'Bearer [redacted]'],
  [/\b(access_token|token)=([^&\s"']+)/gi, '$1=[redacted]'],
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[token]'],
  [/\b(prv|cli)_[A-Za-z0-9_-]{16,}/g, '$1_[redacted]'],
  [/\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b/g, '$1***@$2'],
  [/\+(\d{2})\d{3,11}(\d{2})\b/g, '+$1*****$2'],
];

/** Something every rule needs (a keyword, `=`, `@`, `+`): most log text has none, and is left after one scan. */
const MAY_HOLD_SECRET = /bearer|[=@+]|eyJ|prv_|cli_/i;

export function redact(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return RULES.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement as string), text);
}
