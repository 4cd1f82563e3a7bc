/**
 * The @nestjs/swagger CLI plugin as a ts-jest AST transformer, so the app under test documents its DTOs
 * exactly as the built one: `nest build` runs the plugin with the options of nest-cli.json, and
 * jest.config.js hands the same options here. The plugin reads types, so it needs ts-jest's program
 * (ts-jest keeps one when isolatedModules is off).
 */
const { before } = require('@nestjs/swagger/plugin');

module.exports = {
  name: 'nestjs-swagger-plugin',
  version: 1,
  factory: (compiler, options) => before(options, compiler.program),
};
