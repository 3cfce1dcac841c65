// Builds the extension bundles into dist/ and, with --tests, transpiles sources and tests into out/.
//   node scripts/build.mjs               development build (source maps)
//   node scripts/build.mjs --production  minified, as packaged
//   node scripts/build.mjs --tests       also out/ for the unit, extension-host and bench tiers
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const withTests = args.has('--tests');

/** Prints esbuild's problems in the form VS Code's $esbuild problem matcher reads. */
const problemReporter = {
  name: 'problem-reporter',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of [...result.errors, ...result.warnings]) {
        if (location) console.error(`> ${location.file}:${location.line}:${location.column}: error: ${text}`);
        else console.error(`> error: ${text}`);
      }
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  plugins: [problemReporter],
  absWorkingDir: root,
};

// The code activation loads: kept small; parsers and network clients are separate bundles loaded when first needed.
const nodeBundles = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['src/lazy/playbookParser.ts'], outfile: 'dist/playbook-parser.js' },
  { entryPoints: ['src/lazy/slack.ts'], outfile: 'dist/slack.js' },
];

function walk(dir, out = []) {
  let entries;
  try { entries = readdirSync(join(root, dir)); } catch { return out; }
  for (const name of entries) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) walk(rel, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

async function main() {
  await Promise.all(nodeBundles.map((b) => esbuild.build({ ...common, ...b })));

  // The default playbook ships as data: parsed and checked at build time, so activation parses no YAML.
  const require = createRequire(import.meta.url);
  const parser = require(join(root, 'dist/playbook-parser.js'));
  const source = 'playbooks/ims.yaml';
  const result = parser.parsePlaybook(readFileSync(join(root, source), 'utf8'));
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  for (const d of result.diagnostics) console.error(`${source}:${d.line}:${d.column}: ${d.severity}: ${d.message}`);
  if (errors.length > 0 || !result.playbook) {
    console.error(`${source}: the default playbook is invalid; build stopped.`);
    process.exit(1);
  }
  writeFileSync(join(root, 'dist/default-playbook.json'), JSON.stringify(result.playbook));

  if (withTests) {
    const files = [...walk('src'), ...walk('test'), ...walk('bench')];
    await esbuild.build({
      entryPoints: files,
      outdir: 'out',
      outbase: '.',
      bundle: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'warning',
      absWorkingDir: root,
    });
    mkdirSync(join(root, 'out'), { recursive: true });
    console.log(`built dist/ and ${files.length} files into out/ (${relative(root, join(root, 'out'))})`);
  }
}

main().catch((err) => {
  console.error(err?.message ?? err);
  process.exit(1);
});
