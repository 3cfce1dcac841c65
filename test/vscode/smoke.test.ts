// The extension loads in a real VS Code extension host and hands back its API.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'ims.incident-commander';

describe('smoke', () => {
  it('the extension is present in vscode.extensions.all', () => {
    const ids = vscode.extensions.all.map((e) => e.id.toLowerCase());
    assert.ok(ids.includes(EXTENSION_ID), `${EXTENSION_ID} not among ${ids.length} extensions`);
  });

  it('activates and its API has listIncidents', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} not found`);
    const api: unknown = await extension.activate();
    assert.ok(extension.isActive, 'extension is not active after activate()');
    assert.equal(typeof (api as { listIncidents?: unknown })?.listIncidents, 'function');
  });
});
