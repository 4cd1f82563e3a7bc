import { AppError } from '../common/app-error';

/** Who is calling, as the bearer key says. */
export type Caller = { role: 'admin' } | { role: 'provider'; providerId: number } | { role: 'client'; clientId: number };

export const ADMIN: Caller = { role: 'admin' };

export function describeCaller(caller: Caller): string {
  if (caller.role === 'provider') return `provider:${caller.providerId}`;
  if (caller.role === 'client') return `client:${caller.clientId}`;
  return 'admin';
}

/** The administrator, or the provider itself. */
export function actsForProvider(caller: Caller, providerId: number): boolean {
  return caller.role === 'admin' || (caller.role === 'provider' && caller.providerId === providerId);
}

/** The administrator, or the client itself. */
export function actsForClient(caller: Caller, clientId: number): boolean {
  return caller.role === 'admin' || (caller.role === 'client' && caller.clientId === clientId);
}

/** Acting in someone else's name (a body naming another provider or client): 403. */
export function forbidden(): AppError {
  return new AppError('FORBIDDEN', 'This key may not act for that provider or client');
}

export function assertActsForProvider(caller: Caller, providerId: number): void {
  if (!actsForProvider(caller, providerId)) throw forbidden();
}

export function assertActsForClient(caller: Caller, clientId: number): void {
  if (!actsForClient(caller, clientId)) throw forbidden();
}

export function assertAdmin(caller: Caller): void {
  if (caller.role !== 'admin') throw new AppError('FORBIDDEN', 'Only the administrator may do this');
}
