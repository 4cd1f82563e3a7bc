import { servicesConfigured } from './services-env';

/**
 * Runs once before the e2e-services project. Without PostgreSQL and Redis its specs (and the
 * two-process spec) are all skipped; say so, and how to run them, rather than pass in silence.
 */
export default function announceSkippedServices(): void {
  if (servicesConfigured()) return;
  process.stdout.write(
    '\ne2e-services skipped: set DATABASE_URL and REDIS_URL to run the specs on PostgreSQL and Redis (two processes included), e.g.\n' +
      '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 npm test\n\n',
  );
}
