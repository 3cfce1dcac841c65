// The sample playbook shipped in the demo workspace stays valid, and names only commands the extension has.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { parsePlaybook } from '../../src/core/playbook/parse';
import { walkSteps } from '../../src/core/playbook/query';

const root = path.join(__dirname, '../../..');

it('the demo workspace sample playbook parses cleanly and its actions are contributed commands', () => {
  const result = parsePlaybook(readFileSync(path.join(root, 'test/fixtures/demo-workspace/team-playbook.example.yaml'), 'utf8'));
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.playbook);
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const commands = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const actions = walkSteps(result.playbook).flatMap((e) => (e.step.action ? [e.step.action] : []));
  assert.ok(actions.length >= 3);
  for (const a of actions) assert.ok(commands.has(a), a);
});
