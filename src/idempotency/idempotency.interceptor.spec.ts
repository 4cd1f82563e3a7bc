import { CallHandler, ExecutionContext, HttpCode } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, of, throwError } from 'rxjs';
import { Caller } from '../access/caller';
import { AppError } from '../common/app-error';
import { noteDataSubject } from './data-subject';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { BeginOutcome, IdempotencyStore } from './idempotency-store';
import { Idempotent } from './idempotent.decorator';
import { ReplayedAnswer, StoredAnswer } from './stored-answer';

class Routes {
  @HttpCode(202)
  @Idempotent()
  keyed(): void {}

  plain(): void {}
}

/** A store that starts every key and remembers what the interceptor asked of it. */
class RecordingStore extends IdempotencyStore {
  readonly completed: StoredAnswer[] = [];
  readonly subjects: (number | undefined)[] = [];
  readonly released: string[] = [];
  next: BeginOutcome = { outcome: 'started', token: 't1' };
  failSettling = false;

  begin(): Promise<BeginOutcome> {
    return Promise.resolve(this.next);
  }

  complete(_key: string, _token: string, answer: StoredAnswer, _keepMs: number, clientId?: number): Promise<void> {
    if (this.failSettling) return Promise.reject(new Error('store down'));
    this.completed.push(answer);
    this.subjects.push(clientId);
    return Promise.resolve();
  }

  forgetClient(): Promise<void> {
    return Promise.resolve();
  }

  release(_key: string, token: string): Promise<void> {
    if (this.failSettling) return Promise.reject(new Error('store down'));
    this.released.push(token);
    return Promise.resolve();
  }
}

function contextOf(handler: keyof Routes, headers: Record<string, string>, caller?: Caller): ExecutionContext {
  const request = { headers, method: 'POST', url: '/api/client_schedule?x=1', ip: '192.0.2.1', body: { b: 1, a: 2 }, caller };
  return {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

const answering = (value: unknown): CallHandler => ({ handle: () => of(value) });
const failing = (error: unknown): CallHandler => ({ handle: () => throwError(() => error) });

describe(IdempotencyInterceptor.name, () => {
  let store: RecordingStore;
  let sut: IdempotencyInterceptor;

  beforeEach(() => {
    store = new RecordingStore();
    sut = new IdempotencyInterceptor(new Reflector(), store);
  });

  const run = async (
    handler: keyof Routes,
    next: CallHandler,
    headers: Record<string, string> = { 'idempotency-key': 'k-1' },
    caller?: Caller,
  ) => lastValueFrom(await sut.intercept(contextOf(handler, headers, caller), next));

  it('stores a success with the route status and its JSON body', async () => {
    await expect(run('keyed', answering({ id: 7 }))).resolves.toEqual({ id: 7 });

    expect(store.completed).toEqual([{ status: 202, contentType: 'application/json; charset=utf-8', body: '{"id":7}' }]);
  });

  it('stores a 4xx answer as a problem, and still fails the request with it', async () => {
    const error = new AppError('SLOT_UNAVAILABLE', 'taken');

    await expect(run('keyed', failing(error))).rejects.toBe(error);

    expect(store.completed).toEqual([expect.objectContaining({ status: 409, contentType: 'application/problem+json' })]);
    expect(JSON.parse(store.completed[0].body)).toMatchObject({ code: 'SLOT_UNAVAILABLE', status: 409 });
  });

  it.each([
    ['a 503', new AppError('UNAVAILABLE', 'down')],
    ['an unexpected error', new Error('bug')],
  ])('releases the key after %s, so a retry runs', async (_label, error) => {
    await expect(run('keyed', failing(error))).rejects.toBe(error);

    expect(store.released).toEqual(['t1']);
    expect(store.completed).toEqual([]);
  });

  it('answers the request even when the store does not take the answer (the marker lapses)', async () => {
    store.failSettling = true;

    await expect(run('keyed', answering({ id: 7 }))).resolves.toEqual({ id: 7 });
  });

  it('replays, refuses a reused key (422) and an in-use key (409) without running the handler', async () => {
    const handler = { handle: jest.fn(() => of('ran')) };
    const answer: StoredAnswer = { status: 202, contentType: 'application/json', body: '{}' };

    store.next = { outcome: 'replay', answer };
    await expect(run('keyed', handler)).rejects.toEqual(new ReplayedAnswer(answer));
    store.next = { outcome: 'reused' };
    await expect(run('keyed', handler)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    store.next = { outcome: 'in_use' };
    await expect(run('keyed', handler)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });

    expect(handler.handle).not.toHaveBeenCalled();
  });

  /** A handler whose service, deep inside, learns which client the request is about. */
  const noting = (clientId: number): CallHandler => ({
    handle: () =>
      from(
        (async () => {
          await Promise.resolve();
          noteDataSubject(clientId);
          return { client_id: null };
        })(),
      ),
  });

  it.each<[string, CallHandler, Caller | undefined, number | undefined]>([
    ['the client a service noted', noting(12), { role: 'admin' }, 12],
    ['the noted client before the calling one', noting(12), { role: 'client', clientId: 5 }, 12],
    ['the calling client', answering({ id: 1 }), { role: 'client', clientId: 5 }, 5],
    ["the answer's client_id", answering({ id: 1, client_id: 9 }), { role: 'provider', providerId: 2 }, 9],
    ['no client at all', answering({ id: 1, client_id: null }), undefined, undefined],
  ])('names %s as what the record is about, for erasure', async (_label, next, caller, expected) => {
    await run('keyed', next, { 'idempotency-key': 'k-1' }, caller);

    expect(store.subjects).toEqual([expected]);
  });

  it('leaves requests without the header, and routes not marked, as they are', async () => {
    await expect(run('keyed', answering('ran'), {})).resolves.toBe('ran');
    await expect(run('plain', answering('ran'))).resolves.toBe('ran');

    expect(store.completed).toEqual([]);
  });
});
