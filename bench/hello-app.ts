/*
 * Baseline for `npm run bench`: the barest NestJS app on the Fastify adapter, with one route,
 * GET /api/hello -> {"message":"hello"}, no pipes, filters, guards, database or logger. bench/run.ts
 * measures it with autocannon and expresses every scheduler route as a fraction of its requests/s, so
 * the figures say how much the scheduler's own work costs rather than how fast this machine is.
 *
 * Usage: node -r ts-node/register/transpile-only bench/hello-app.ts <port> (or PORT=<port>); prints
 * "listening <port>" once it accepts connections.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller('api')
class HelloController {
  @Get('hello')
  hello(): { message: string } {
    return { message: 'hello' };
  }
}

@Module({ controllers: [HelloController] })
class HelloModule {}

async function main(): Promise<void> {
  const port = Number(process.argv[2] || process.env.PORT || 0);
  const app = await NestFactory.create<NestFastifyApplication>(HelloModule, new FastifyAdapter(), { logger: false });
  app.enableShutdownHooks();
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
