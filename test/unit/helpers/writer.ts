// A second process writing to the same store: `node writer.js <root> <incidentId> <prefix> <count>`.
import { IncidentStore } from '../../../src/core/store/incidentStore';

async function main() {
  const [root, id, prefix, count] = process.argv.slice(2);
  const store = new IncidentStore(root);
  for (let i = 0; i < Number(count); i++) {
    await store.update(id, { kind: 'toggleStep', stepId: `${prefix}-${i}`, done: true }, prefix, () => true);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
