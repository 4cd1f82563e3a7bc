/** The services run needs both DATABASE_URL and REDIS_URL; without them its specs are skipped. */
export function servicesConfigured(): boolean {
  return /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '') && /^rediss?:/.test(process.env.REDIS_URL ?? '');
}
