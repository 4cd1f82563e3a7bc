import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppError } from '../common/app-error';
import { parseIdText } from '../common/validators';

export const HOLD_TOKEN_AUDIENCE = 'scheduler:hold-validation';
export const HOLD_TOKEN_ISSUER = 'scheduler';
export const HOLD_TOKEN_ALGORITHM = 'HS256';
const MAX_TOKEN_LENGTH = 2048;

export interface HoldTokenClaims {
  appointmentId: number;
  holdId: string;
}

/**
 * Signs and checks the token of a validation link: HS256 only, our audience and issuer,
 * `jti` = the hold id, `exp` = the hold's expiry. Expiry itself is judged against the stored hold
 * (so an expired hold answers 410, not 401); everything else that is off answers TOKEN_INVALID.
 */
@Injectable()
export class HoldTokenService {
  constructor(private readonly jwt: JwtService) {}

  sign(appointmentId: number, holdId: string, expiresAtMs: number): string {
    return this.jwt.sign(
      { sub: String(appointmentId), exp: Math.ceil(expiresAtMs / 1000) },
      { jwtid: holdId, algorithm: HOLD_TOKEN_ALGORITHM, audience: HOLD_TOKEN_AUDIENCE, issuer: HOLD_TOKEN_ISSUER },
    );
  }

  verify(token: string): HoldTokenClaims {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalid();
    let payload: { sub?: unknown; jti?: unknown; exp?: unknown };
    try {
      payload = this.jwt.verify(token, {
        algorithms: [HOLD_TOKEN_ALGORITHM],
        audience: HOLD_TOKEN_AUDIENCE,
        issuer: HOLD_TOKEN_ISSUER,
        ignoreExpiration: true,
      });
    } catch {
      throw invalid();
    }
    // A signature proves who wrote the claims, not that they are in range: they are checked like any input.
    const appointmentId = typeof payload.sub === 'string' ? parseIdText(payload.sub) : null;
    if (appointmentId === null || typeof payload.jti !== 'string' || payload.jti.length > 64) throw invalid();
    if (!(Number.isSafeInteger(payload.exp) && (payload.exp as number) > 0)) throw invalid();
    return { appointmentId, holdId: payload.jti };
  }
}

function invalid(): AppError {
  return new AppError('TOKEN_INVALID', 'This link is not valid: it was altered, or it is not one of ours');
}
