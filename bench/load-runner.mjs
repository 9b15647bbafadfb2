// Child process of the benchmark: runs one full load from the built package and prints its
// run result with this process's own resource usage, so peak RSS and CPU time cover exactly
// the load (DuckDB runs in-process and counts too).
import { loadConfig } from '../dist/config/load-config.js';
import { runFullLoad } from '../dist/pipeline/full-load.js';

const [configFile, mode = 'full'] = process.argv.slice(2);
const startedAt = performance.now();
const outcome = await runFullLoad({ config: loadConfig(configFile), mode });
const wallMs = performance.now() - startedAt;
const usage = process.resourceUsage();

process.stdout.write(
  JSON.stringify({
    wallMs,
    maxRssBytes: usage.maxRSS * 1024,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    status: outcome.run.status,
    error: outcome.run.error ?? null,
    tables: outcome.run.tables.map(({ rules, ...table }) => ({ ...table, rules: rules.length })),
  }),
);
