import { Logger } from '@nestjs/common';
import { createAppLogger } from '../app.setup';
import { JsonLogger } from './json-logger';
import { OUTBOX_LOG_CONTEXT, RedactingLogger } from './redacting-logger';
import { requestContext } from './request-context';

const EMAIL = 'grace.hopper@example.com';
const KEY = 'prv_3q2-7wEtQnbFv6yGQk8yYb1JcHj0cX2mYV4a9xK1pZs';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-DEF_123';
const ADMIN = 'the-administrators-key-0123456789abcdef';
const PHONE = '+14155550123';
const SECRETS = [EMAIL, 'grace.hopper', KEY, TOKEN, ADMIN, PHONE];
const LEAKY = `550 <${EMAIL}> rejected; key ${KEY}; link /api/validate?token=${TOKEN}; sms ${PHONE}; Bearer ${ADMIN}`;

/** The app's logger in production (pino under the redaction), writing to a list instead of stdout. */
function jsonAppLogger() {
  const lines: string[] = [];
  const sut = createAppLogger(new JsonLogger({ write: (line: string) => lines.push(line) })) as RedactingLogger;
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { sut, lines, records };
}

describe(JsonLogger.name, () => {
  it('writes one JSON object a line, with level, time, context and message', () => {
    const { sut, lines, records } = jsonAppLogger();
    sut.log('Listening', 'Bootstrap');
    sut.warn('Slow', { duration_ms: 12 }, 'HTTP');
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(records()).toEqual([
      expect.objectContaining({ level: 'info', context: 'Bootstrap', msg: 'Listening', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }),
      expect.objectContaining({ level: 'warn', context: 'HTTP', msg: 'Slow', duration_ms: 12 }),
    ]);
  });

  it('puts the stack of an error in the line, not on a line of its own', () => {
    const { sut, records } = jsonAppLogger();
    sut.error('Could not send', new Error('boom').stack, 'Mail');
    expect(records()).toEqual([
      expect.objectContaining({ level: 'error', context: 'Mail', msg: 'Could not send', stack: expect.stringContaining('Error: boom') }),
    ]);
  });

  it('carries the request id on every line written while a request is handled, and only then', () => {
    const { sut, records } = jsonAppLogger();
    requestContext.run('req-1', () => sut.log('inside', 'Test'));
    sut.log('outside', 'Test');
    expect(records().map((record) => [record.msg, record.req_id])).toEqual([
      ['inside', 'req-1'],
      ['outside', undefined],
    ]);
  });

  it.each(['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const)(
    'shows no key, token, secret, email address or phone number at %s, wherever they are in the line',
    (level) => {
      const { sut, lines, records } = jsonAppLogger();
      sut[level](LEAKY, 'Mail');
      sut[level](new Error(LEAKY), 'Mail');
      sut[level]('Could not send', new Error(LEAKY), 'Mail');
      sut[level](
        'GET /api/queue/events 200',
        { url: `/api/queue/events?provider_id=1&access_token=${KEY}`, nested: { to: [EMAIL] } },
        'HTTP',
      );
      sut[level]({ to: EMAIL, [EMAIL]: PHONE }, 'Mail');
      const text = lines.join('');
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(records()).toHaveLength(5);
      expect(text).toContain('g***@example.com');
      expect(text).toContain('access_token=[redacted]');
    },
  );

  it('lets the outbox mode log its validation link, and nothing else', () => {
    const { sut, records } = jsonAppLogger();
    const link = `Validation link for appointment 1: http://127.0.0.1:5000/api/validate?token=${TOKEN}`;
    sut.log(link, OUTBOX_LOG_CONTEXT);
    sut.log(link, 'Mail');
    expect(records().map((record) => record.msg)).toEqual([link, link.replace(TOKEN, '[redacted]')]);
  });

  it("is what Nest's Logger writes through once the app uses it", () => {
    const { sut, records } = jsonAppLogger();
    Logger.overrideLogger(sut);
    try {
      new Logger('Holds').warn(`Could not release the hold of ${EMAIL}`);
    } finally {
      Logger.overrideLogger(false);
    }
    expect(records()).toEqual([
      expect.objectContaining({ level: 'warn', context: 'Holds', msg: 'Could not release the hold of g***@example.com' }),
    ]);
  });
});
