import { JwtService } from '@nestjs/jwt';
import * as jsonwebtoken from 'jsonwebtoken';
import { AppError } from '../common/app-error';
import { HOLD_TOKEN_ISSUER, HoldTokenService } from './hold-token.service';
import { MANAGE_TOKEN_AUDIENCE, ManageLinks } from './manage-links';

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const START = Date.parse('2026-07-28T15:00:00.000Z');
const jwt = new JwtService({ secret: SECRET, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } });
const http = { host: '0.0.0.0', port: 5000, publicUrl: 'https://book.example', corsOrigins: [], trustedProxyHops: 0 };
const appointment = { id: 42, revision: 3, startAt: START };
const GENUINE = { sub: '42', rev: 3, aud: MANAGE_TOKEN_AUDIENCE, iss: HOLD_TOKEN_ISSUER, exp: START / 1000 };
const craft = (claims: Record<string, unknown>, secret = SECRET) => jsonwebtoken.sign(claims, secret, { algorithm: 'HS256' });
const without = (name: keyof typeof GENUINE) => Object.fromEntries(Object.entries(GENUINE).filter(([key]) => key !== name));

function refusal(verify: () => unknown): unknown {
  try {
    verify();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe(ManageLinks.name, () => {
  const sut = new ManageLinks(jwt, http);
  const holdTokens = new HoldTokenService(jwt);

  it('links to the manage page under PUBLIC_URL and reads back what it signed', () => {
    const link = sut.linkFor(appointment);
    expect(link).toMatch(/^https:\/\/book\.example\/api\/manage\?token=[A-Za-z0-9._-]+$/);
    const token = decodeURIComponent(new URL(link).searchParams.get('token')!);
    expect(sut.verify(token)).toEqual({ appointmentId: 42, revision: 3, expiresAtMs: START });
  });

  it('signs the audience, subject, revision and expiry of the design', () => {
    expect(jsonwebtoken.decode(sut.tokenFor(appointment))).toMatchObject(GENUINE);
  });

  it('takes no validation token, and the hold tokens take no manage token', () => {
    const validationToken = holdTokens.sign(42, '3f1c1a52-6f0e-4f7b-9a51-1c2b3d4e5f60', START);
    expect(refusal(() => sut.verify(validationToken))).toMatchObject({ code: 'TOKEN_INVALID', status: 401 });
    expect(refusal(() => holdTokens.verify(sut.tokenFor(appointment)))).toMatchObject({ code: 'TOKEN_INVALID', status: 401 });
  });

  it.each([
    ['another key', craft(GENUINE, 'another-secret-0123456789-abcdefghijklmnopqrstuvwxyz')],
    ['another audience', craft({ ...GENUINE, aud: 'scheduler:hold-validation' })],
    ['another issuer', craft({ ...GENUINE, iss: 'elsewhere' })],
    ['no subject', craft(without('sub'))],
    ['a subject with a leading zero', craft({ ...GENUINE, sub: '042' })],
    ['no revision', craft(without('rev'))],
    ['a negative revision', craft({ ...GENUINE, rev: -1 })],
    ['a fractional revision', craft({ ...GENUINE, rev: 1.5 })],
    ['a revision as text', craft({ ...GENUINE, rev: '3' })],
    ['no expiry', craft(without('exp'))],
    ['a malformed token', 'not.a.token'],
    ['an empty token', ''],
    ['a token over 2 KB', `${sut.tokenFor(appointment)}${'a'.repeat(2048)}`],
  ])('refuses %s with TOKEN_INVALID', (_name, token) => {
    const error = refusal(() => sut.verify(token));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('leaves expiry to the caller: a token past its start still reads, with its expiry', () => {
    const token = craft({ ...GENUINE, exp: 1_000_000 });
    expect(sut.verify(token)).toEqual({ appointmentId: 42, revision: 3, expiresAtMs: 1_000_000_000 });
  });
});
