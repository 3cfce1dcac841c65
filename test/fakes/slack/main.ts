// The fake Slack as a process, for UI tests and the demo:
//   node out/test/fakes/slack/main.js [--port N] [--seed S] [--faults '{"latencyMs":50}']
// prints one line, FAKE_SLACK_URL=http://127.0.0.1:PORT/api/, and serves until killed (SIGINT/SIGTERM close it).
// Steer it from another process over HTTP: GET /_fake/state, POST /_fake/faults, POST /_fake/reset.
import { checkFaults, startFakeSlack, type FaultOptions } from './server';

export function parseArgs(argv: readonly string[]): { port: number; seed?: number; faults: FaultOptions } {
  let port = 0;
  let seed: number | undefined;
  let faults: FaultOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') {
      port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
    } else if (flag === '--seed') {
      seed = Number(value());
      if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
    } else if (flag === '--faults') {
      faults = checkFaults(JSON.parse(value()));
    } else {
      throw new Error(`unknown option ${argv[i]} (use --port N, --seed S, --faults JSON)`);
    }
  }
  return { port, seed, faults };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`fake Slack: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  const fake = await startFakeSlack({ ...parsed.faults, port: parsed.port, ...(parsed.seed === undefined ? {} : { seed: parsed.seed }) });
  console.log(`FAKE_SLACK_URL=${fake.url}`);
  const stop = () => {
    fake.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`fake Slack: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}
