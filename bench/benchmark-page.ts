/** One benchmark run as stored in bench/results/<timestamp>.json. */
export interface BenchmarkResult {
  startedAt: string;
  machine: {
    cores: number;
    cpuModel: string;
    memoryBytes: number;
    node: string;
    duckdb: string;
    postgres: string;
    platform: string;
  };
  scales: ScaleResult[];
  /** Each ORDERS row rule timed alone over the bronze files of the largest scale. */
  ruleProfile?: { scale: number; rules: { id: string; type: string; ms: number }[]; allRulesMs: number };
}

export interface ScaleResult {
  scale: number;
  /** Time the generator took, when this run had to create the sample. */
  generatedMs?: number;
  floor: { copyMs: number; parquetMs: number; totalMs: number };
  aurora: {
    wallMs: number;
    maxRssBytes: number;
    cpuMs: number;
    ordersRows: number;
    silverRows: number;
    quarantinedRows: number;
    rules: number;
    extractMs: number;
    validateMs: number;
    writeMs: number;
  };
  /** A delta load after 10,000 orders changed in the source: the median of several runs. */
  delta?: {
    wallMs: number;
    /** Every run's time, in run order; absent in results from before the runs were repeated. */
    runsMs?: number[];
    maxRssBytes: number;
    changedRows: number;
    /** ORDERS' own steps: reading its changes, checking them, writing silver and quarantine. */
    ordersMs?: number;
    /** Rows checked and silver files rewritten, when the delta checked only what changed. */
    incremental?: { checkedRows: number; affectedRows: number; filesRewritten: number; filesKept: number };
  };
}

const GIB = 2 ** 30;
const TARGET_RATIO = 1.5;
const TARGET_VALIDATION_MS = 2000;

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const mebibytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

function scaleRow(scale: ScaleResult): string {
  const { aurora, floor } = scale;
  const rowsPerSecond = Math.round(aurora.ordersRows / (aurora.wallMs / 1000));
  return [
    scale.scale,
    aurora.ordersRows.toLocaleString('en-US'),
    seconds(floor.copyMs),
    seconds(floor.parquetMs),
    seconds(floor.totalMs),
    seconds(aurora.wallMs),
    (aurora.wallMs / floor.totalMs).toFixed(2),
    rowsPerSecond.toLocaleString('en-US'),
    seconds(aurora.extractMs),
    `${seconds(aurora.validateMs)} (${aurora.rules} rules)`,
    seconds(aurora.writeMs),
    seconds(aurora.cpuMs),
    mebibytes(aurora.maxRssBytes),
    scale.delta ? deltaCell(scale.delta) : '–',
  ].join(' | ');
}

function deltaCell(delta: NonNullable<ScaleResult['delta']>): string {
  const read = `${delta.changedRows.toLocaleString('en-US')} rows read`;
  const work = delta.incremental
    ? `, ${delta.incremental.checkedRows.toLocaleString('en-US')} checked, ${delta.incremental.filesRewritten} of ${delta.incremental.filesRewritten + delta.incremental.filesKept} silver files rewritten`
    : ', whole table checked';
  const orders = delta.ordersMs !== undefined ? `; ORDERS' own steps ${seconds(delta.ordersMs)} s` : '';
  const runs = delta.runsMs ? `; median of ${delta.runsMs.map(seconds).join(', ')} s` : '';
  return `${seconds(delta.wallMs)} (${read}${work}${orders}${runs})`;
}

function ordersVerdict(half: NonNullable<ScaleResult['delta']>, full: NonNullable<ScaleResult['delta']>): string {
  if (half.ordersMs === undefined || full.ordersMs === undefined) {
    return '';
  }
  return `; ORDERS' own steps ${seconds(half.ordersMs)} s and ${seconds(full.ordersMs)} s`;
}

function verdicts(result: BenchmarkResult): string[] {
  const full = result.scales.find((scale) => scale.scale === 1) ?? result.scales.at(-1);
  if (!full) {
    return [];
  }

  const half = result.scales.find((scale) => scale.scale === 0.5);
  const deltaVerdict =
    half?.delta && full.delta
      ? [
          `- A delta of 10,000 changed orders costs the same at scale 0.5 and 1.0 (within 20 %): ${seconds(half.delta.wallMs)} s and ${seconds(full.delta.wallMs)} s for the whole run — ${full.delta.wallMs <= half.delta.wallMs * 1.2 ? 'met' : 'missed'}${ordersVerdict(half.delta, full.delta)}.`,
        ]
      : [];
  const ratio = full.aurora.wallMs / full.floor.totalMs;
  const peak = Math.max(...result.scales.map((scale) => scale.aurora.maxRssBytes));
  return [
    `- Full load plus validation within ${TARGET_RATIO}× the floor (scale ${full.scale}): ${ratio.toFixed(2)}× — ${ratio <= TARGET_RATIO ? 'met' : 'missed'}.`,
    `- Peak RSS under 1 GiB at every scale: ${mebibytes(peak)} MiB at most — ${peak < GIB ? 'met' : 'missed'}.`,
    `- ${full.aurora.rules} rules over ${full.aurora.ordersRows.toLocaleString('en-US')} rows validated in under 2 s: ${seconds(full.aurora.validateMs)} s — ${full.aurora.validateMs < TARGET_VALIDATION_MS ? 'met' : 'missed'}.`,
    ...deltaVerdict,
  ];
}

function ruleProfileSection(result: BenchmarkResult): string[] {
  const profile = result.ruleProfile;
  if (!profile) {
    return [];
  }

  const slowest = [...profile.rules].sort((a, b) => b.ms - a.ms).slice(0, 8);
  return [
    '',
    `Rule profile at scale ${profile.scale}: all ${profile.rules.length} ORDERS row rules counted in one pass over the bronze files took ${seconds(profile.allRulesMs)} s. The slowest rules, each timed alone (each such pass also reads its columns again):`,
    '',
    '| Rule | Type | ms |',
    '|---|---|---|',
    ...slowest.map((rule) => `| ${rule.id} | ${rule.type} | ${rule.ms.toFixed(0)} |`),
  ];
}

/** Renders docs/benchmarks.md from every stored result, newest first. */
export function renderBenchmarkPage(results: readonly BenchmarkResult[]): string {
  const newestFirst = [...results].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const header =
    '| Scale | ORDERS rows | Floor: psql COPY (s) | Floor: CSV→Parquet (s) | Floor total (s) | Aurora (s) | Ratio | Rows/s | Extract (s) | Validate (s) | Write silver+quarantine (s) | CPU (s) | Peak RSS (MiB) | Delta, 10,000 changed orders (s) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|';

  const sections = newestFirst.map((result) => {
    const machine = result.machine;
    return [
      `## Run of ${result.startedAt}`,
      '',
      `Machine: ${machine.cores} cores (${machine.cpuModel}), ${(machine.memoryBytes / GIB).toFixed(0)} GiB, ${machine.platform}; Node.js ${machine.node}, DuckDB node-api ${machine.duckdb}, PostgreSQL ${machine.postgres}.`,
      '',
      header,
      ...result.scales.map((scale) => `| ${scaleRow(scale)} |`),
      '',
      ...verdicts(result),
      ...ruleProfileSection(result),
    ].join('\n');
  });

  return [
    '# Benchmarks',
    '',
    'The full load of the ERP sample\'s ORDERS table from PostgreSQL, with the example rule set',
    '(`examples/mueller-erp/rules`) validated into silver and quarantine, measured beside the',
    'physical floor for the same table: `psql` COPY to a CSV file plus DuckDB converting that CSV',
    'to Parquet. Both run in the same script on the same machine, one after the other, so the',
    'ratio is what to compare across machines. The Aurora load also reads CUSTOMERS, the target',
    'of the ORDERS → CUSTOMERS relationship rule. Peak RSS and CPU time are those of the child',
    'process that runs the load, DuckDB included.',
    '',
    'Reproduce (PostgreSQL at `AURORA_BENCH_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`;',
    'the ERP samples are generated once into `aurora_bench_erp_*` databases and reused):',
    '',
    '```sh',
    'npm run bench                      # scales 0.25, 0.5 and 1.0',
    'npm run bench -- --scales 0.05     # a quick check',
    '```',
    '',
    'Raw results: `bench/results/*.json`.',
    '',
    '## Where the time goes',
    '',
    'Measured on 2026-12-04 at scale 1.0 on the 2-core machine below; the table under it has the',
    'exact numbers of the latest run. Seconds vary by about ±15 % between runs on this shared machine.',
    '',
    '- **Extract (about 6.5 s of 11–12 s).** PostgreSQL COPY streams each partition through',
    '  Node.js into a staging CSV file, and DuckDB casts it into typed Parquet with a guard per',
    '  column that turns lossy casts into errors. On 2 cores the PostgreSQL server, Node.js and',
    '  DuckDB share the CPU, so this step alone is about 1.4× the floor, which does the same work',
    '  without guards, one step after the other. Closing this gap needs the rows to skip Node.js:',
    '  DuckDB reading PostgreSQL directly (its postgres extension, not installable offline here) or',
    '  a binary COPY decoder in the DuckDB process.',
    '- **Validate (about 2–2.5 s).** One pass evaluates all rules; the per-rule profile shows that',
    '  two rules take a third of it: the text-to-number check on `AMOUNT_TXT` (a regular',
    '  expression per allowed format on every value) and the uniqueness check on `ORDER_NO` (a hash aggregate over 2.1',
    '  million strings). The 2-second goal is met at 1 GB of DuckDB memory (2.0 s) and missed by',
    '  about half a second at the 256 MB limit the pipeline uses to keep memory flat.',
    '- **Write silver and quarantine (about 1.6 s).** Silver rewrites every row as zstd Parquet;',
    '  the bronze files are read again for it.',
    '- **The rest (about 1 s).** Describing the tables, compiling and test-running the rules, the',
    '  CUSTOMERS table, the report. Partition planning used to cost 1.7 s of OFFSET queries; integer',
    '  keys are now split by min and max.',
    '',
    '- **Delta loads.** Only the 10,000 changed orders are read from PostgreSQL, through the',
    '  index on UPDATED_AT. Silver and quarantine are split into files by ranges of ORDER_ID',
    '  (131,072 rows each). The delta checks the changed rows and the published rows a change can',
    '  affect, rewrites the files its keys fall into and links the others. Row counts come from',
    '  Parquet footers and PostgreSQL statistics, since ORDERS has a primary key constraint.',
    '  CUSTOMERS has no change column, so it is still read in full (24,000 rows at scale 1.0),',
    '  but compared by row hash instead of checked and rewritten. The 10,000 newest orders fall',
    '  into the last key range, which contains about 25,000 rows at scale 0.5 and 50,000 at 1.0, so',
    '  rewriting it costs more at 1.0 (about 50 ms); full ranges have 131,072 rows at both scales. Earlier',
    '  runs counted ORDERS in PostgreSQL, rewrote the whole quarantine and type-checked the rules',
    '  over the merged table (before 2026-12-05 02:00), and validated and rewrote the whole merged',
    '  table (before 2026-12-04 23:50).',
    '',
    '  A delta of a table without a watermark reads it in full and compares row hashes. Measured',
    '  once on 2026-12-05 with ORDERS configured without its watermark, at scale 1.0, the delta of',
    '  the 10,000 changed orders took 9.7 s against 16.5 s for the full load in the same setup.',
    '  Reading ORDERS took 7.4 s of it, and checking and writing 0.2 s.',
    '',
    '  Without a key constraint in the source, a watermark delta also reads every key (key columns',
    '  only) to check that the merge by key loses no row. Measured on 2026-12-05 with a copy of',
    '  ORDERS without its primary key, at scale 1.0: 1.9 s per delta against 1.1 s with the key.',
    '',
    'Changes measured on the way, at scale 1.0: validation that materialised every row with its',
    'rule flags took 5.4 s and peaked at 1,311 MiB; keeping only the failing rows\' ids and flags',
    'brought it to 2.0 s and 861 MiB; the 256 MB DuckDB limit brought the peak to about 550 MiB,',
    'nearly flat across scales (435, 490 and 543 MiB at 0.25, 0.5 and 1.0).',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}
