/** What must never reach a log line: API keys, hold tokens, full email addresses, phone numbers. */
const RULES: [RegExp, string | ((...groups: string[]) => string)][] = [
  [/\bBearer\s+\S+/gi, 'Bearer [redacted]'],
  [/\b(access_token|token)=([^&\s"']+)/gi, '$1=[redacted]'],
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[token]'],
  [/\b(prv|cli)_[A-Za-z0-9_-]{16,}/g, '$1_[redacted]'],
  [/\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b/g, '$1***@$2'],
  [/\+(\d{2})\d{3,11}(\d{2})\b/g, '+$1*****$2'],
];

export function redact(text: string): string {
  return RULES.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement as string), text);
}
