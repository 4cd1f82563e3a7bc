/**
 * `node -r ./scripts/ts-node-swagger.js script.ts`: ts-node with the @nestjs/swagger CLI plugin and the
 * options nest-cli.json gives `nest build`, so a script that boots the app sees the DTOs documented as the
 * built app does. The plugin reads types, so this compiles with a program (no transpile-only).
 */
const { before } = require('@nestjs/swagger/plugin');
const swaggerPlugin = require('../nest-cli.json').compilerOptions.plugins.find((plugin) => plugin.name === '@nestjs/swagger');

require('ts-node').register({ transformers: (program) => ({ before: [before(swaggerPlugin.options, program)] }) });
