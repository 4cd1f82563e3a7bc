import { AsyncLocalStorage } from 'node:async_hooks';

/** Which client the request being handled is about, once the code that knows has said so. */
export interface DataSubject {
  clientId?: number;
}

/**
 * The client a request is about, noted by the services that learn it (a booking's client, a guest's
 * registered client, a client the administrator creates) so that the idempotency record kept for the
 * request names it, and erasing that client deletes the record. An AsyncLocalStorage because those
 * services are far from the interceptor that stores the record; outside a request, noting does nothing.
 */
const dataSubjects = new AsyncLocalStorage<DataSubject>();

/** Runs `work` (and everything it starts) with `subject` as the one `noteDataSubject` fills. */
export function runWithDataSubject<T>(subject: DataSubject, work: () => T): T {
  return dataSubjects.run(subject, work);
}

/** Says that the request being handled is about this client (the first one noted counts). */
export function noteDataSubject(clientId: number): void {
  const subject = dataSubjects.getStore();
  if (subject && subject.clientId === undefined) subject.clientId = clientId;
}
