import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { AppError } from '../common/app-error';
import { parseIdText } from '../common/validators';
import { httpConfig } from '../config/namespaces';
import { AppointmentEntity } from './entities/appointment.entity';
import { HOLD_TOKEN_ALGORITHM, HOLD_TOKEN_ISSUER } from './hold-token.service';

/** Not the validation link's audience: neither token is taken for the other. */
export const MANAGE_TOKEN_AUDIENCE = 'scheduler:manage';
const MAX_TOKEN_LENGTH = 2048;
/** Revisions are raised once per reschedule or cancellation; anything past this was not signed by us. */
const MAX_REVISION = 2_147_483_647;

export interface ManageClaims {
  appointmentId: number;
  /** The appointment's revision the link was signed for: an older one is superseded. */
  revision: number;
  /** The appointment's start when the link was signed: the link is good until then. */
  expiresAtMs: number;
}

/**
 * The manage link of a confirmed appointment: `{PUBLIC_URL}/api/manage?token=` with an HS256 JWT
 * (the hold tokens' key and issuer, its own audience), `sub` = the appointment, `rev` = its revision,
 * `exp` = its start. Whether it is expired or superseded is judged by the caller, against the clock
 * and the stored appointment; everything else that is off answers TOKEN_INVALID.
 */
@Injectable()
export class ManageLinks {
  constructor(
    private readonly jwt: JwtService,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {}

  linkFor(appointment: Pick<AppointmentEntity, 'id' | 'revision' | 'startAt'>): string {
    return `${this.http.publicUrl}/api/manage?token=${encodeURIComponent(this.tokenFor(appointment))}`;
  }

  tokenFor(appointment: Pick<AppointmentEntity, 'id' | 'revision' | 'startAt'>): string {
    return this.jwt.sign(
      { sub: String(appointment.id), rev: appointment.revision, exp: Math.ceil(appointment.startAt / 1000) },
      { algorithm: HOLD_TOKEN_ALGORITHM, audience: MANAGE_TOKEN_AUDIENCE, issuer: HOLD_TOKEN_ISSUER },
    );
  }

  verify(token: string): ManageClaims {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalidLink();
    let payload: { sub?: unknown; rev?: unknown; exp?: unknown };
    try {
      payload = this.jwt.verify(token, {
        algorithms: [HOLD_TOKEN_ALGORITHM],
        audience: MANAGE_TOKEN_AUDIENCE,
        issuer: HOLD_TOKEN_ISSUER,
        ignoreExpiration: true,
      });
    } catch {
      throw invalidLink();
    }
    // Signed claims are still checked like any input.
    const appointmentId = typeof payload.sub === 'string' ? parseIdText(payload.sub) : null;
    const { rev, exp } = payload;
    if (appointmentId === null || !Number.isSafeInteger(rev) || (rev as number) < 0 || (rev as number) > MAX_REVISION) throw invalidLink();
    if (!(Number.isSafeInteger(exp) && (exp as number) > 0)) throw invalidLink();
    return { appointmentId, revision: rev as number, expiresAtMs: (exp as number) * 1000 };
  }
}

export function invalidLink(detail = 'This link is not valid: it was altered, or it is not one of ours'): AppError {
  return new AppError('TOKEN_INVALID', detail);
}
