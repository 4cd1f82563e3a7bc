import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { HOLD_TOKEN_ALGORITHM, HOLD_TOKEN_ISSUER } from '../appointments/hold-token.service';
import { invalidLink } from '../appointments/manage-links';
import { E164_PATTERN, isName, isPlainEmailAddress, parseIdText } from '../common/validators';
import { httpConfig } from '../config/namespaces';
import { parseDate } from '../scheduling/slots';

/** Neither a validation nor a manage link's audience: no token is taken for another. */
export const QUEUE_JOIN_TOKEN_AUDIENCE = 'scheduler:queue-join';
const MAX_TOKEN_LENGTH = 2048;

/** What a join link carries: who asked to join which queue. Nothing is stored until its button is pressed. */
export interface JoinClaims {
  /** The link's own id (`jti`): the entry it makes keeps it, so pressing the link again finds that entry. */
  joinKey: string;
  providerId: number;
  /** The queue's day, the provider's today when the link was asked for. */
  date: string;
  name: string;
  phone: string | null;
  email: string | null;
  /** Past this, the button no longer joins (a joined entry is still shown). */
  expiresAtMs: number;
}

export type NewJoin = Omit<JoinClaims, 'joinKey'>;

/**
 * The join link of the live queue: `{PUBLIC_URL}/api/queue/join/entry?token=` with an HS256 JWT (the hold
 * tokens' key and issuer, its own audience). No row stands behind an unpressed link, so the token itself
 * carries the queue and the person's details; a signature proves we wrote them, and they are checked
 * again like any input. Whether it expired is judged by the caller (a pressed link outlives its expiry).
 */
@Injectable()
export class QueueJoinLinks {
  constructor(
    private readonly jwt: JwtService,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {}

  sign(join: NewJoin): { token: string; link: string; joinKey: string } {
    const joinKey = randomUUID();
    const token = this.jwt.sign(
      {
        sub: String(join.providerId),
        date: join.date,
        name: join.name,
        ...(join.phone !== null ? { phone: join.phone } : {}),
        ...(join.email !== null ? { email: join.email } : {}),
        exp: Math.ceil(join.expiresAtMs / 1000),
      },
      { jwtid: joinKey, algorithm: HOLD_TOKEN_ALGORITHM, audience: QUEUE_JOIN_TOKEN_AUDIENCE, issuer: HOLD_TOKEN_ISSUER },
    );
    return { token, joinKey, link: this.linkFor(token) };
  }

  linkFor(token: string): string {
    return `${this.http.publicUrl}/api/queue/join/entry?token=${encodeURIComponent(token)}`;
  }

  verify(token: string): JoinClaims {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalidLink();
    let payload: Record<string, unknown>;
    try {
      payload = this.jwt.verify(token, {
        algorithms: [HOLD_TOKEN_ALGORITHM],
        audience: QUEUE_JOIN_TOKEN_AUDIENCE,
        issuer: HOLD_TOKEN_ISSUER,
        ignoreExpiration: true,
      });
    } catch {
      throw invalidLink();
    }
    const { sub, jti, date, name, phone, email, exp } = payload;
    const providerId = typeof sub === 'string' ? parseIdText(sub) : null;
    if (providerId === null || typeof jti !== 'string' || jti.length === 0 || jti.length > 64) throw invalidLink();
    if (typeof date !== 'string' || !parseDate(date) || typeof name !== 'string' || !isName(name)) throw invalidLink();
    if (phone !== undefined && !(typeof phone === 'string' && E164_PATTERN.test(phone))) throw invalidLink();
    if (email !== undefined && !(typeof email === 'string' && isPlainEmailAddress(email))) throw invalidLink();
    if ((phone === undefined && email === undefined) || !(Number.isSafeInteger(exp) && (exp as number) > 0)) throw invalidLink();
    return {
      joinKey: jti,
      providerId,
      date,
      name,
      phone: phone ?? null,
      email: email ?? null,
      expiresAtMs: (exp as number) * 1000,
    };
  }
}
