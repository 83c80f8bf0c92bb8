// Builds the web app into ../pb_public/assets, which is committed so that
// `go run . serve` serves a working blog without npm (as PocketBase ships
// its dashboard). The pages that load it are the server's (hooks/pages). `node build.mjs --check` builds into a temporary
// directory instead and fails when the committed files differ: CI runs it
// so that a change to ui/ cannot land without its build.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const committed = join(here, '../pb_public');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'blogbase-ui-')) : committed;

mkdirSync(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: { app: join(here, 'src/main.js'), style: join(here, 'src/style.css') },
  outdir: join(out, 'assets'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  legalComments: 'none',
  logLevel: 'warning',
});

if (check) {
  const files = readdirSync(join(out, 'assets')).map((f) => `assets/${f}`);
  const stale = files.filter((f) => {
    try {
      return !readFileSync(join(out, f)).equals(readFileSync(join(committed, f)));
    } catch {
      return true;
    }
  });
  const extra = readdirSync(join(committed, 'assets')).map((f) => `assets/${f}`).filter((f) => !files.includes(f));
  rmSync(out, { recursive: true, force: true });
  if (stale.length || extra.length) {
    console.error(`pb_public is not the build of ui/ (differs: ${[...stale, ...extra].join(', ')}); run: cd ui && npm ci && npm run build`);
    process.exit(1);
  }
  console.log('pb_public is the build of ui/');
}
