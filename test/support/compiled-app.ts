import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const SOURCE = join(ROOT, 'src');

/**
 * The service's sources compiled to JavaScript once per content, for the specs that start it as a
 * process of its own. Each file is transpiled alone, as `ts-node --transpile-only` would do on every
 * start (same options, same output), but once: a start then costs the modules' loading (about 1 s of
 * CPU) instead of that plus transpiling the whole app again (about 3.5 s more), dozens of times a run.
 *
 * The folder is named after a hash of every source and template, so an edit makes a new one and a
 * stale build is never run; it lives under node_modules/.cache so that the app's packages resolve
 * from it. Jest workers may build at once: each writes a folder of its own and renames it into place.
 */
export function compiledMainPath(): string {
  const files = sourceFiles(SOURCE);
  const hash = createHash('sha256');
  hash.update(readFileSync(join(ROOT, 'tsconfig.json')));
  for (const file of files) hash.update(relative(SOURCE, file)).update('\0').update(readFileSync(file)).update('\0');
  const target = join(ROOT, 'node_modules', '.cache', 'scheduler-app', hash.digest('hex').slice(0, 16));
  const main = join(target, 'main.js');
  if (existsSync(main)) return main;

  const building = `${target}.${process.pid}.${Date.now()}`;
  const options = compilerOptions();
  for (const file of files) {
    const out = join(building, relative(SOURCE, file));
    mkdirSync(dirname(out), { recursive: true });
    if (file.endsWith('.ts')) {
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file });
      writeFileSync(out.replace(/\.ts$/, '.js'), outputText);
    } else {
      cpSync(file, out);
    }
  }
  try {
    renameSync(building, target);
  } catch (error) {
    // Another worker finished first: its build is the same.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(main)) throw error;
  }
  return main;
}

/** The app's sources and templates, without the specs, in a stable order. */
function sourceFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (!entry.name.endsWith('.spec.ts')) found.push(path);
  }
  return found;
}

function compilerOptions(): ts.CompilerOptions {
  const configFile = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  return { ...options, sourceMap: false, inlineSourceMap: false, declaration: false };
}
