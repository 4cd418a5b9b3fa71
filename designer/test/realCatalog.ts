// The real schema and activity catalog, from the CLI (`bin/pipelines schema`, `bin/pipelines activities --json`), which
// the server serves at GET /api/schema and GET /api/activities. bin/pipelines builds the CLI when it is missing or
// stale; ./test.sh has built it already.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ActivityDescriptor } from '../src/model/catalog';

const cli = join(__dirname, '../../bin/pipelines');

function run(args: string[]): string {
  try {
    return execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    throw new Error(`\`bin/pipelines ${args.join(' ')}\` failed (build the CLI with \`dotnet build engine/Pipelines.Cli -c Release\`): ${(e as Error).message}`);
  }
}

export const schema = JSON.parse(run(['schema'])) as Record<string, unknown>;
export const catalog = JSON.parse(run(['activities', '--json'])) as ActivityDescriptor[];
