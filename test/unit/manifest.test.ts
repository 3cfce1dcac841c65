// The manifest and the package: identity, what ships, and the habits users expect of an extension.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const root = path.join(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('the manifest', () => {
  it('has the identity the marketplace and VS Code 1.100 expect', () => {
    assert.equal(`${pkg.publisher}.${pkg.name}`, 'ims.incident-commander');
    assert.equal(pkg.displayName, 'Incident Commander');
    assert.equal(pkg.engines.vscode, '^1.100.0');
    assert.match(pkg.devDependencies['@types/vscode'], /^1\.100\./);
    assert.deepEqual(pkg.categories, ['Other']);
    assert.equal(pkg.main, './dist/extension.js');
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(!pkg.activationEvents?.includes('*'));
  });

  it('every command has the Incident category and an icon; tree-only commands are hidden from the palette', () => {
    for (const c of pkg.contributes.commands) {
      assert.equal(c.category, 'Incident', c.command);
      assert.match(c.icon, /^\$\([a-z-]+\)$/, c.command);
    }
    const hidden = pkg.contributes.menus.commandPalette.filter((m: { when: string }) => m.when === 'false').map((m: { command: string }) => m.command);
    assert.deepEqual(hidden, ['incidentCommander.runStepAction', 'incidentCommander.retryOutboxItem', 'incidentCommander.editOutboxItem', 'incidentCommander.discardOutboxItem']);
  });

  it('every setting has a markdownDescription, a scope and a default', () => {
    for (const [key, s] of Object.entries(pkg.contributes.configuration.properties) as [string, Record<string, unknown>][]) {
      assert.ok(s.markdownDescription, key);
      assert.ok(s.scope, key);
      assert.ok('default' in s, key);
    }
  });

  it('item menus match contextValue with =~', () => {
    for (const m of pkg.contributes.menus['view/item/context']) assert.match(m.when, /viewItem =~ \//, m.command);
  });
});

describe('the package', () => {
  it('ships only what runs: the bundles, the default playbook, media and the documents', () => {
    const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
    const files = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((f) => f.trim())
      .sort();
    assert.deepEqual(files, [
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'dist/default-playbook.json',
      'dist/extension.js',
      'dist/playbook-parser.js',
      'dist/slack.js',
      'media/icon.png',
      'media/icon.svg',
      'media/walkthrough/connect-slack.md',
      'media/walkthrough/create-channel.md',
      'media/walkthrough/declare.md',
      'package.json',
      'playbooks/ims.yaml',
    ]);
  });
});
