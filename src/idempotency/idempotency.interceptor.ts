import { CallHandler, ExecutionContext, HttpStatus, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { catchError, from, mergeMap, Observable } from 'rxjs';
import stringify from 'safe-stable-stringify';
import type { AuthenticatedRequest } from '../access/access.decorators';
import { Caller, describeCaller } from '../access/caller';
import { AppError } from '../common/app-error';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../common/problem';
import { DataSubject, runWithDataSubject } from './data-subject';
import { IDEMPOTENCY_HEADER, IDEMPOTENT_ROUTE } from './idempotent.decorator';
import { IdempotencyStore } from './idempotency-store';
import { ReplayedAnswer, StoredAnswer } from './stored-answer';

/** How long a first request's in-flight marker lives: past it, a crashed process no longer locks the key. */
export const IN_FLIGHT_MS = 60_000;
/** How long an answer is kept for repeats. */
export const KEEP_MS = 24 * 60 * 60 * 1000;
/** 1 to 255 visible ASCII characters. */
const VALID_KEY = /^[\x21-\x7E]{1,255}$/;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * On @Idempotent() routes with an `Idempotency-Key`: runs the first request, keeps its answer, and
 * answers a repeat from the store instead of running it again. Runs after the guards, so the caller
 * is known. The scope is the caller (its key's owner; anonymous callers, guests included, by network
 * address) + method + path + key, hashed, so the store holds no address; the fingerprint is the
 * SHA-256 of the body as canonical JSON (keys sorted), so a guest's other email is another body (422).
 * A record names the client it is about (noted by the services, else the calling client, else the
 * answer's `client_id`), so that erasing the client deletes it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT_ROUTE, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const header = request.headers[IDEMPOTENCY_HEADER.toLowerCase()];
    if (header === undefined) return next.handle();
    if (typeof header !== 'string' || !VALID_KEY.test(header))
      throw AppError.field(IDEMPOTENCY_HEADER, 'must be 1 to 255 visible ASCII characters (one header)');

    const caller = request.caller ? describeCaller(request.caller) : `ip:${request.ip}`;
    const path = request.url.split('?')[0];
    const key = sha256([caller, request.method, path, header].join('\n'));
    const fingerprint = sha256(stringify(request.body ?? null) ?? 'null');

    const begun = await this.store.begin(key, fingerprint, IN_FLIGHT_MS);
    if (begun.outcome === 'replay') throw new ReplayedAnswer(begun.answer);
    if (begun.outcome === 'reused')
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with another request body');
    if (begun.outcome === 'in_use')
      throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still running; retry in a moment');

    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    const subject: DataSubject = {};
    // Nest runs the handler when it subscribes, later and elsewhere: the subject's context is entered there.
    const handled = new Observable<unknown>((subscriber) => runWithDataSubject(subject, () => next.handle().subscribe(subscriber)));
    const aboutClient = (answer: unknown) => subject.clientId ?? callerClientId(request.caller) ?? answeredClientId(answer);
    return handled.pipe(
      mergeMap(async (value: unknown) => {
        const answer = { status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(value) ?? '' };
        await this.settle(key, begun.token, answer, aboutClient(value));
        return value;
      }),
      catchError((error: unknown) =>
        from(
          (async () => {
            const problem = toProblem(error);
            await this.settle(
              key,
              begun.token,
              problem.status >= 500
                ? undefined
                : { status: problem.status, contentType: PROBLEM_CONTENT_TYPE, body: JSON.stringify(problem) },
              aboutClient(undefined),
            );
            throw error;
          })(),
        ),
      ),
    );
  }

  /**
   * Stores the answer, or (none: a 5xx) frees the key so a retry runs. Never fails the request: if the
   * store does not answer now, the marker lapses within IN_FLIGHT_MS and a repeat runs again.
   */
  private async settle(key: string, token: string, answer: StoredAnswer | undefined, clientId: number | undefined): Promise<void> {
    try {
      if (answer) await this.store.complete(key, token, answer, KEEP_MS, clientId);
      else await this.store.release(key, token);
    } catch (error) {
      this.logger.warn(`Idempotency record not settled: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function callerClientId(caller: Caller | undefined): number | undefined {
  return caller?.role === 'client' ? caller.clientId : undefined;
}

/** The `client_id` an answer names (an appointment, a queue entry, a waitlist entry), if any. */
function answeredClientId(answer: unknown): number | undefined {
  const clientId = (answer as { client_id?: unknown } | null | undefined)?.client_id;
  return typeof clientId === 'number' ? clientId : undefined;
}
