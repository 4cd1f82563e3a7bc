/*
 * `npm run openapi`: writes docs/openapi.json, the OpenAPI document the app serves at /api/docs-json,
 * pretty-printed with its keys sorted so that a change to the API shows as a small diff. The app is
 * booted as main.ts boots it (same module, same configureApp) on an in-memory SQLite database and the
 * in-process hold store, and asked through Fastify's inject, without listening on a port.
 * test/e2e/openapi.e2e-spec.ts fails when the committed file and the running app's document differ.
 */
import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { AppModule } from '../src/app.module';
import { configureApp, createAppLogger, createHttpAdapter } from '../src/app.setup';
import { OPENAPI_JSON_PATH } from '../src/common/api-paths';

export const OPENAPI_FILE = join(__dirname, '..', 'docs', 'openapi.json');

/** JSON with every object's keys sorted (arrays keep their order), two-space indented, ending in a newline. */
export function canonicalJson(value: unknown): string {
  const sorted = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sorted);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.keys(node)
        .sort()
        .map((key) => [key, sorted((node as Record<string, unknown>)[key])]),
    );
  };
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}

/** The document the app serves, from an app that does not listen and keeps nothing. */
export async function servedOpenApiDocument(): Promise<unknown> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scheduler-openapi-'));
  const secret = () => randomBytes(32).toString('base64url');
  // Settings of their own, whatever the environment or .env says: the document does not depend on them.
  const settings = {
    DATA_DIR: dataDir,
    DATABASE_URL: 'sqlite::memory:',
    REDIS_URL: undefined,
    SMTP_URL: undefined,
    SMS_URL: undefined,
    JWT_SECRET: secret(),
    ADMIN_API_KEY: secret(),
  };
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(settings), createHttpAdapter({ trustedProxyHops: 0 }), {
    logger: createAppLogger(new ConsoleLogger(), ['error']),
  });
  try {
    await configureApp(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const response = await app.inject({ method: 'GET', url: OPENAPI_JSON_PATH });
    if (response.statusCode !== 200) throw new Error(`GET ${OPENAPI_JSON_PATH} answered ${response.statusCode}: ${response.body}`);
    return response.json();
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  writeFileSync(OPENAPI_FILE, canonicalJson(await servedOpenApiDocument()));
  process.stdout.write(`wrote ${relative(process.cwd(), OPENAPI_FILE)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
}
