import { createHmac, generateKeyPairSync } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import * as jsonwebtoken from 'jsonwebtoken';
import { AppError } from '../common/app-error';
import { HOLD_TOKEN_AUDIENCE, HOLD_TOKEN_ISSUER, HoldTokenService } from './hold-token.service';

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const OTHER_SECRET = 'another-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const EXPIRES_AT = Date.parse('2026-07-28T15:00:00.000Z');
const HOLD_ID = '3f1c1a52-6f0e-4f7b-9a51-1c2b3d4e5f60';

const makeSut = (secret = SECRET) =>
  new HoldTokenService(new JwtService({ secret, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } }));

/** The claims of a genuine token, for crafting near-misses with jsonwebtoken. */
const GENUINE = {
  sub: '42',
  jti: HOLD_ID,
  aud: HOLD_TOKEN_AUDIENCE,
  iss: HOLD_TOKEN_ISSUER,
  exp: Math.ceil(EXPIRES_AT / 1000),
};
type Claims = Record<string, unknown>;
const craft = (claims: Claims, secret: jsonwebtoken.Secret = SECRET, algorithm: jsonwebtoken.Algorithm = 'HS256') =>
  jsonwebtoken.sign(claims, secret, { algorithm });
const without = (name: keyof typeof GENUINE): Claims => {
  const claims: Claims = { ...GENUINE };
  delete claims[name];
  return claims;
};
const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A token put together by hand: any header, any payload, signed with HMAC-SHA256 or not at all. */
const byHand = (header: unknown, payload: unknown, signWith?: string) => {
  const input = `${base64url(header)}.${base64url(payload)}`;
  const signature = signWith === undefined ? '' : createHmac('sha256', signWith).update(input).digest('base64url');
  return `${input}.${signature}`;
};

describe(HoldTokenService.name, () => {
  const sut = makeSut();
  const genuine = sut.sign(42, HOLD_ID, EXPIRES_AT);

  const refusalOf = (token: unknown): unknown => {
    try {
      sut.verify(token as string);
    } catch (error) {
      return error;
    }
    return undefined;
  };
  const expectRefused = (token: unknown) => {
    const error = refusalOf(token);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'TOKEN_INVALID', status: 401 });
  };

  describe('sign and verify', () => {
    it.each([
      [1, 'h'],
      [42, HOLD_ID],
      [987_654, 'a'.repeat(64)],
      [2_147_483_647, '00000000-0000-0000-0000-000000000000'],
    ])('round-trips appointment %i with hold %j', (appointmentId, holdId) => {
      const token = sut.sign(appointmentId, holdId, EXPIRES_AT);
      expect(sut.verify(token)).toEqual({ appointmentId, holdId });
    });

    it.each([
      [EXPIRES_AT, Math.ceil(EXPIRES_AT / 1000)],
      [EXPIRES_AT + 1, EXPIRES_AT / 1000 + 1],
      [EXPIRES_AT + 999, EXPIRES_AT / 1000 + 1],
      [EXPIRES_AT + 1000, EXPIRES_AT / 1000 + 1],
      [EXPIRES_AT + 1001, EXPIRES_AT / 1000 + 2],
    ])('a hold expiring at %i ms has exp %i and jti = the hold id', (expiresAtMs, exp) => {
      const token = sut.sign(7, 'hold-7', expiresAtMs);
      const decoded = jsonwebtoken.decode(token, { complete: true })!;
      expect(decoded.header).toMatchObject({ alg: 'HS256', typ: 'JWT' });
      expect(decoded.payload).toMatchObject({
        sub: '7',
        jti: 'hold-7',
        exp,
        aud: HOLD_TOKEN_AUDIENCE,
        iss: HOLD_TOKEN_ISSUER,
      });
    });

    it('is signed with the configured secret (jsonwebtoken agrees)', () => {
      expect(() => jsonwebtoken.verify(genuine, SECRET, { algorithms: ['HS256'], ignoreExpiration: true })).not.toThrow();
      expect(() => jsonwebtoken.verify(genuine, OTHER_SECRET, { algorithms: ['HS256'], ignoreExpiration: true })).toThrow();
    });

    it.each([
      ['an hour ago', Date.now() - 3_600_000],
      ['a second ago', Date.now() - 1_000],
      ['in 1970', 1_000],
    ])('a token whose hold expired %s still verifies (the service judges expiry against the stored hold)', (_when, expiresAtMs) => {
      const token = sut.sign(5, 'hold-5', expiresAtMs);
      expect(sut.verify(token)).toEqual({ appointmentId: 5, holdId: 'hold-5' });
    });

    it('a token crafted by hand with the genuine claims and secret is accepted (so the refusals below are about what they change)', () => {
      expect(sut.verify(craft(GENUINE))).toEqual({ appointmentId: 42, holdId: HOLD_ID });
      expect(sut.verify(byHand({ alg: 'HS256', typ: 'JWT' }, GENUINE, SECRET))).toEqual({ appointmentId: 42, holdId: HOLD_ID });
    });
  });

  describe('refuses with TOKEN_INVALID', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const [genuineHeader, genuinePayload, genuineSignature] = genuine.split('.');

    it.each([
      ['signed with another secret', craft(GENUINE, OTHER_SECRET)],
      ['signed by another service instance with another secret', makeSut(OTHER_SECRET).sign(42, HOLD_ID, EXPIRES_AT)],
      ['signed with the secret plus one character', craft(GENUINE, SECRET + 'x')],
      ['signed with the secret minus one character', craft(GENUINE, SECRET.slice(0, -1))],
      ['HS384 with the same secret', craft(GENUINE, SECRET, 'HS384')],
      ['HS512 with the same secret', craft(GENUINE, SECRET, 'HS512')],
      ['RS256 with a private key', craft(GENUINE, privateKey, 'RS256')],
      ['alg none, no signature', byHand({ alg: 'none' }, GENUINE)],
      ['alg none with typ, no signature', byHand({ alg: 'none', typ: 'JWT' }, GENUINE)],
      ['alg NONE, no signature', byHand({ alg: 'NONE', typ: 'JWT' }, GENUINE)],
      ['alg None, no signature', byHand({ alg: 'None', typ: 'JWT' }, GENUINE)],
      ['alg none, keeping a genuine signature', `${base64url({ alg: 'none', typ: 'JWT' })}.${genuinePayload}.${genuineSignature}`],
      ['alg HS256 with the signature removed', `${genuineHeader}.${genuinePayload}.`],
      [
        'a genuine header and signature over another payload',
        `${genuineHeader}.${base64url({ ...GENUINE, sub: '43' })}.${genuineSignature}`,
      ],
      ['another audience', craft({ ...GENUINE, aud: 'scheduler:something-else' })],
      ['audiences that do not include ours', craft({ ...GENUINE, aud: ['scheduler:api', 'other'] })],
      ['no audience', craft(without('aud'))],
      ['another issuer', craft({ ...GENUINE, iss: 'not-scheduler' })],
      ['an issuer that only starts like ours', craft({ ...GENUINE, iss: `${HOLD_TOKEN_ISSUER}-evil` })],
      ['no issuer', craft(without('iss'))],
      ['sub that is letters', craft({ ...GENUINE, sub: 'abc' })],
      ['sub that is empty', craft({ ...GENUINE, sub: '' })],
      ['sub with letters after digits', craft({ ...GENUINE, sub: '12a' })],
      ['sub that is negative', craft({ ...GENUINE, sub: '-1' })],
      ['sub that is a fraction', craft({ ...GENUINE, sub: '1.5' })],
      ['sub in exponent form', craft({ ...GENUINE, sub: '1e3' })],
      ['sub in hexadecimal', craft({ ...GENUINE, sub: '0x10' })],
      ['sub with a space', craft({ ...GENUINE, sub: ' 42' })],
      ['sub of 11 digits', craft({ ...GENUINE, sub: '12345678901' })],
      ['sub that is a number, not a string', craft({ ...GENUINE, sub: 42 })],
      ['sub that is null', craft({ ...GENUINE, sub: null })],
      ['sub past the integer range (2^31)', craft({ ...GENUINE, sub: '2147483648' })],
      ['sub of 10 digits past the integer range', craft({ ...GENUINE, sub: '9999999999' })],
      ['sub that is zero', craft({ ...GENUINE, sub: '0' })],
      ['sub with a leading zero', craft({ ...GENUINE, sub: '042' })],
      ['exp that is a string', byHand({ alg: 'HS256', typ: 'JWT' }, { ...GENUINE, exp: String(GENUINE.exp) }, SECRET)],
      ['exp that is a fraction', craft({ ...GENUINE, exp: GENUINE.exp + 0.5 })],
      ['exp that is negative', craft({ ...GENUINE, exp: -1 })],
      ['exp past the safe integer range', byHand({ alg: 'HS256', typ: 'JWT' }, { ...GENUINE, exp: 1e300 }, SECRET)],
      ['no exp', craft(without('exp'))],
      ['no sub', craft(without('sub'))],
      ['no jti', craft(without('jti'))],
      ['jti that is a number', craft({ ...GENUINE, jti: 12345 })],
      ['jti that is null', craft({ ...GENUINE, jti: null })],
      ['jti longer than 64 characters', craft({ ...GENUINE, jti: 'h'.repeat(65) })],
      ['a payload that is a JSON string, not an object', byHand({ alg: 'HS256', typ: 'JWT' }, '"42"', SECRET)],
      ['a payload that is not JSON', byHand({ alg: 'HS256', typ: 'JWT' }, 'not json', SECRET)],
      ['a header that is not JSON', `${base64url('not json')}.${genuinePayload}.${genuineSignature}`],
    ])('%s', (_name, token) => {
      expectRefused(token);
    });

    it.each([
      ['the empty string', ''],
      ['a space', ' '],
      ['two dots', '..'],
      ['three letters and dots', 'a.b.c'],
      ['words', 'not a token'],
      ['two segments only', `${genuineHeader}.${genuinePayload}`],
      ['four segments', `${genuine}.${genuineSignature}`],
      ['the token twice', `${genuine}${genuine}`],
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['an object', { token: genuine }],
    ])('malformed: %s', (_name, token) => {
      expectRefused(token);
    });

    it.each(
      [1, 2, 5, 10, genuineSignature.length, genuineSignature.length + 1, genuine.length - genuineHeader.length, genuine.length - 1].map(
        (cut) => [cut, genuine.slice(0, genuine.length - cut)] as const,
      ),
    )('truncated by %i characters', (_cut, token) => {
      expectRefused(token);
    });

    it.each([...genuine].map((char, position) => [position, char === 'A' ? 'B' : 'A', char] as const))(
      'with the character at %i changed to %s (was %s)',
      (position, replacement) => {
        const token = genuine.slice(0, position) + replacement + genuine.slice(position + 1);
        expect(token).not.toBe(genuine);
        expectRefused(token);
      },
    );

    it('a genuinely signed token longer than 2048 characters, while one of 2048 or less is accepted', () => {
      const padded = (length: number) => craft({ ...GENUINE, pad: 'p'.repeat(length) });
      let length = 0;
      while (padded(length + 1).length <= 2048) length++;
      const longest = padded(length);
      const tooLong = padded(length + 1);
      expect(longest.length).toBeLessThanOrEqual(2048);
      expect(longest.length).toBeGreaterThan(2040);
      expect(tooLong.length).toBeGreaterThan(2048);
      expect(sut.verify(longest)).toEqual({ appointmentId: 42, holdId: HOLD_ID });
      expectRefused(tooLong);
      expectRefused(genuine + 'A'.repeat(2049 - genuine.length));
      expectRefused('x'.repeat(1_000_000));
    });

    it('does not say why in its detail (no library message leaks)', () => {
      const error = refusalOf(craft(GENUINE, OTHER_SECRET)) as AppError;
      expect(error.detail).not.toMatch(/signature|jwt|audience|issuer|algorithm/i);
    });
  });
});
