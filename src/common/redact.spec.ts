import { redact } from './redact';

describe(redact.name, () => {
  it.each([
    ['a bearer header', 'Authorization: Bearer test-admin-abc-0123456789', 'Authorization: Bearer [redacted]'],
    ['a provider key', 'key prv_3q2-7wEtQnbFv6yGQk8yYb1JcHj0cX2mYV4a9xK1pZs used', 'key prv_[redacted] used'],
    ['a client key', 'cli_Qm9vZ2x5LWJvb2dseS1ib28tYm9vZ2x5LWJvb2dseQ', 'cli_[redacted]'],
    ['a JWT', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-DEF_123 here', 'token [token] here'],
    ['a JWT without signature', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', '[token]'],
    ['a validation link', 'http://h/api/validate?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc', 'http://h/api/validate?token=[redacted]'],
    [
      'an access_token query',
      '/api/queue/events?provider_id=1&access_token=prv_abcdefghijklmnopqrstuvwxyz',
      '/api/queue/events?provider_id=1&access_token=[redacted]',
    ],
    ['a board link', '/api/queue/board?provider_id=1&key=brd_abcdefghijklmnopqrstuvwxyz', '/api/queue/board?provider_id=1&key=[redacted]'],
    ['a board key', 'board brd_Yk3q0Jt8mXb1vR7nW2pLc9sDf4hGz6aQe5uTi0oKyNM revoked', 'board brd_[redacted] revoked'],
    ['an email', 'mail to grace.hopper@example.com failed', 'mail to g***@example.com failed'],
    ['an email in angle brackets', '<ada@clinic.example.co.uk>', '<a***@clinic.example.co.uk>'],
    ['two emails', 'a@b.io, cd@ef.org', 'a***@b.io, c***@ef.org'],
    ['a phone number', 'sms to +14155550123', 'sms to +14*****23'],
    ['a short number stays', 'error +1234', 'error +1234'],
    ['plain text stays', 'Listening on http://127.0.0.1:5000/api', 'Listening on http://127.0.0.1:5000/api'],
    ['an ISO instant stays', '2026-07-28T14:30:00.000Z', '2026-07-28T14:30:00.000Z'],
    [
      'a nodemailer rejection',
      '550 5.1.1 <grace@example.com>: Recipient address rejected',
      '550 5.1.1 <g***@example.com>: Recipient address rejected',
    ],
  ])('%s', (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  // Addresses the API takes (isPlainEmailAddress): RFC 5322 atext, UTF-8 local parts, international domains.
  it.each([
    'anna@bücher.de',
    'anna@例え.jp',
    'john.smith/work@example.com',
    'hans#mueller@example.de',
    "o'neil@example.com",
    'müller.hans@example.de',
  ])('leaves no more than the first character of %s, in an SMTP rejection as anywhere', (address) => {
    const local = address.slice(0, address.lastIndexOf('@'));
    const line = redact(`550 5.1.1 <${address}>: Recipient address rejected`);
    expect(line).not.toContain(address);
    expect(line).not.toContain(local.slice(0, 2));
  });

  it('scans a long line in linear time (a request path of dots before an at sign, logged by every request)', () => {
    const path = `GET /api/${'a.'.repeat(8000)}@ 404 1.0 ms`;
    const started = performance.now();
    redact(path);
    redact(path.replaceAll('.', '-'));
    redact(`GET /api/${'eyJ-'.repeat(4000)} 404 1.0 ms`);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('is idempotent', () => {
    const once = redact('Bearer x grace@example.com eyJa.eyJb.c prv_abcdefghijklmnopqrstuvwxyz');
    expect(redact(once)).toBe(once);
  });
});
