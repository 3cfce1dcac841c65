// extensionTestsPath for one fresh extension host start: what activation cost and what it loaded.
// By the time run() is called the extension has normally been activated by its activation event
// (workspaceContains:.incidents/*/incident.json); activate() then just hands back the API.
import { extensionMarks, getApi, hostTimings, loadedDistModules, writeResult } from './common';

export async function run(): Promise<void> {
  try {
    const { extension, api, wasActive } = await getApi();
    // Right after activation: before anything else asks the extension for work.
    const afterActivation = loadedDistModules(extension.extensionPath);
    await api.ready();
    const afterReady = loadedDistModules(extension.extensionPath);
    const marks = extensionMarks();
    writeResult({
      ok: true,
      wasActive,
      activationMs: api.activationMs,
      ...hostTimings(marks),
      marks,
      incidents: api.listIncidents().length,
      playbookSource: api.playbookSource,
      afterActivation,
      afterReady,
    });
  } catch (err) {
    writeResult({ ok: false, error: (err as Error)?.stack ?? String(err) });
    throw err;
  }
}
