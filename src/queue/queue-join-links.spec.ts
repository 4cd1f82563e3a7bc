import { JwtService } from '@nestjs/jwt';
import { HOLD_TOKEN_ALGORITHM, HOLD_TOKEN_AUDIENCE, HOLD_TOKEN_ISSUER } from '../appointments/hold-token.service';
import { MANAGE_TOKEN_AUDIENCE } from '../appointments/manage-links';
import { AppError } from '../common/app-error';
import { NewJoin, QUEUE_JOIN_TOKEN_AUDIENCE, QueueJoinLinks } from './queue-join-links';

const SECRET = 'queue-join-links-spec-secret-long-enough';
const jwt = new JwtService({ secret: SECRET, signOptions: { algorithm: HOLD_TOKEN_ALGORITHM } });
const http = { host: '127.0.0.1', port: 0, publicUrl: 'https://scheduler.test', corsOrigins: [], trustedProxyHops: 0 };
const EXPIRES = Date.parse('2030-03-04T09:30:00Z');
const JOIN: NewJoin = { providerId: 124, date: '2030-03-04', name: 'Grace', phone: null, email: 'grace@example.com', expiresAtMs: EXPIRES };

/** A token signed with our key, whatever its claims: a signature is no proof that they are in range. */
function signed(claims: Record<string, unknown>, audience = QUEUE_JOIN_TOKEN_AUDIENCE): string {
  const payload = { sub: '124', date: '2030-03-04', name: 'Grace', email: 'grace@example.com', exp: EXPIRES / 1000, ...claims };
  // A claim given as undefined is left out.
  return jwt.sign(Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined)), {
    algorithm: HOLD_TOKEN_ALGORITHM,
    audience,
    issuer: HOLD_TOKEN_ISSUER,
    jwtid: 'join-1',
  });
}

describe(QueueJoinLinks.name, () => {
  const sut = new QueueJoinLinks(jwt, http);

  it('signs a link its verify reads back, with a new join key each time', () => {
    const first = sut.sign(JOIN);
    const second = sut.sign(JOIN);
    expect(first.link).toBe(`https://scheduler.test/api/queue/join/entry?token=${encodeURIComponent(first.token)}`);
    expect(sut.verify(first.token)).toEqual({ ...JOIN, joinKey: first.joinKey });
    expect(second.joinKey).not.toBe(first.joinKey);
    expect(sut.verify(sut.sign({ ...JOIN, phone: '+14155550100', email: null }).token)).toMatchObject({
      phone: '+14155550100',
      email: null,
    });
  });

  it('reads an expired link (whether it may still join is the caller’s to judge)', () => {
    expect(sut.verify(sut.sign({ ...JOIN, expiresAtMs: Date.parse('2001-01-01T00:00:00Z') }).token)).toMatchObject({
      expiresAtMs: Date.parse('2001-01-01T00:00:00Z'),
    });
  });

  it.each([
    ['empty', ''],
    ['not a JWT', 'not.a.token'],
    ['over 2048 characters', 'x'.repeat(2049)],
    ['a validation link’s token', signed({}, HOLD_TOKEN_AUDIENCE)],
    ['a manage link’s token', signed({}, MANAGE_TOKEN_AUDIENCE)],
    ['signed with another key', new JwtService({ secret: 'another-secret-entirely-0000000000' }).sign({ sub: '124' })],
    ['a provider id of 0', signed({ sub: '0' })],
    ['a provider id with a leading zero', signed({ sub: '0124' })],
    ['no date', signed({ date: undefined })],
    ['a date that is not one', signed({ date: '2030-02-30' })],
    ['a name of control characters', signed({ name: '\u0000' })],
    ['a phone not in E.164', signed({ phone: '0612345678' })],
    ['an email with a display name', signed({ email: 'Grace <grace@example.com>' })],
    ['neither phone nor email', signed({ email: undefined })],
    ['no expiry', signed({ exp: undefined })],
  ])('refuses %s: 401 TOKEN_INVALID', (_name, token) => {
    expect(() => sut.verify(token)).toThrow(AppError);
    try {
      sut.verify(token);
    } catch (error) {
      expect(error).toMatchObject({ code: 'TOKEN_INVALID', status: 401 });
    }
  });

  it('refuses a tampered token', () => {
    const { token } = sut.sign(JOIN);
    const [header, payload, signature] = token.split('.');
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '125' })).toString(
      'base64url',
    );
    expect(() => sut.verify(`${header}.${other}.${signature}`)).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
  });
});
