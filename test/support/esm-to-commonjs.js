/**
 * A Jest transform for the packages that ship as ES modules only (Nest 12 and a few of its dependencies).
 *
 * The suite runs as CommonJS. Node 20 can require() an ES module, but Jest's own module loader can only
 * from Node 24.9 on, so on Node 20 these files are compiled to CommonJS as Jest loads them.
 * `import.meta.url` becomes the file's URL, so `createRequire(import.meta.url)` goes through Jest's
 * registry too, and class-validator and the like are loaded once, not once inside Jest and once outside.
 * A module-level `const require = createRequire(import.meta.url)` is dropped: CommonJS has that `require`
 * already, and declaring it again is a syntax error.
 */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  allowJs: true,
  sourceMap: true,
};
const ownVersion = createHash('sha256').update(readFileSync(__filename)).update(ts.version).digest('hex');

module.exports = {
  process(source, path) {
    const code = source
      .replace(/^(?:const|let|var) require = createRequire\(import\.meta\.url\);?$/m, '')
      .replace(/\bimport\.meta\.url\b/g, 'require("node:url").pathToFileURL(__filename).href');
    const { outputText, sourceMapText } = ts.transpileModule(code, { fileName: path, compilerOptions });
    return { code: outputText, map: sourceMapText };
  },
  getCacheKey(source, path) {
    return createHash('sha256').update(ownVersion).update(path).update(source).digest('hex');
  },
};
