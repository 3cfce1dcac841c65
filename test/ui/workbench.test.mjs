// The workbench opens in chromium with the extension loaded for development, and is screenshotted.
import { test, assert } from './harness.mjs';

test('the workbench opens on the demo workspace', async ({ open }) => {
  const wb = await open();
  assert.match(await wb.page.title(), /Extension Development Host/);
  const files = await wb.page.locator('.explorer-folders-view .monaco-list-row').allInnerTexts();
  assert.ok(files.some((f) => f.includes('catalog-info.yaml')), `explorer shows ${files.join(', ')}`);
  // open() waited for the extension's contributed containers; show one to prove the extension is loaded.
  assert.equal(await wb.activityBarItem('Incidents').count(), 1, 'the Incidents container is in the activity bar');
  await wb.screenshot('workbench');
});
