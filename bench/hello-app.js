'use strict';
/*
 * Baseline for `npm run bench`: the barest NestJS 10 app on the Fastify adapter, with one route,
 * GET /api/hello -> {"message":"hello"}, no pipes, filters, guards, database or logger. bench/run.js
 * measures it with autocannon and expresses every scheduler route as a fraction of its requests/s, so
 * the figures say how much the scheduler's own work costs rather than how fast this machine is.
 *
 * Plain CommonJS: decorators are applied by hand. Usage: PORT=<port> node bench/hello-app.js
 * (or `node bench/hello-app.js <port>`); prints "listening <port>" once it accepts connections.
 */
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

class HelloController {
  hello() {
    return { message: 'hello' };
  }
}
Controller('api')(HelloController);
const proto = HelloController.prototype;
Get('hello')(proto, 'hello', Object.getOwnPropertyDescriptor(proto, 'hello'));

class AppModule {}
Module({ controllers: [HelloController] })(AppModule);

async function main() {
  const port = Number(process.argv[2] || process.env.PORT || 0);
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
  app.enableShutdownHooks();
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
