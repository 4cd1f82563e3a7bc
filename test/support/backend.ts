import { createEmbeddedBackend, createServicesBackend, BackendKind, TestBackend } from './fresh-backend';
import { servicesConfigured } from './services-env';

export type { BackendKind, TestBackend } from './fresh-backend';
export { servicesConfigured } from './services-env';

export function backendKind(): BackendKind {
  return process.env.TEST_BACKEND === 'services' ? 'services' : 'embedded';
}

/** `describe`, or `describe.skip` on the services run when PostgreSQL and Redis are not configured. */
export const describeBackend: jest.Describe = backendKind() === 'services' && !servicesConfigured() ? describe.skip : describe;

/**
 * A fresh backend for one spec file: a new SQLite file, or a new PostgreSQL database (on the server of
 * DATABASE_URL) and a Redis key prefix of its own.
 */
export function createBackend(): Promise<TestBackend> {
  if (backendKind() === 'embedded') return Promise.resolve(createEmbeddedBackend());
  return createServicesBackend({ label: 'e2e', serverUrl: process.env.DATABASE_URL!, redisUrl: process.env.REDIS_URL! });
}
