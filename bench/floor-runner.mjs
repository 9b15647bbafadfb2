// Child process of the benchmark: DuckDB converting the psql CSV export to Parquet, the second
// half of the physical floor. Prints wall time and this process's resource usage.
import { DuckDBInstance } from '@duckdb/node-api';

const [csvFile, parquetFile, threads] = process.argv.slice(2);
const quote = (text) => `'${text.replaceAll("'", "''")}'`;

const startedAt = performance.now();
const instance = await DuckDBInstance.create(':memory:', { threads });
const connection = await instance.connect();
await connection.run(`COPY (SELECT * FROM read_csv(${quote(csvFile)}, header = false)) TO ${quote(parquetFile)} (FORMAT parquet, COMPRESSION zstd)`);
const wallMs = performance.now() - startedAt;
connection.closeSync();
instance.closeSync();

const usage = process.resourceUsage();
process.stdout.write(JSON.stringify({ wallMs, maxRssBytes: usage.maxRSS * 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }));
