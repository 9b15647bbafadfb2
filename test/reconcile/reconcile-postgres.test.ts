import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { loadConfig } from '../../src/config/load-config.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { writeDeployment } from '../helpers/deployment.js';
import { createThrowawayPostgresDatabase, postgresStatements, postgresTestUrl, probePostgres, requireService } from '../helpers/services.js';
import { tempFolder } from '../helpers/temp-folder.js';

const skip = await requireService('PostgreSQL', () => probePostgres(postgresTestUrl()));

async function execute(url: string, sql: string): Promise<void> {
  await postgresStatements(url)(sql);
}

test('reconcile PostgreSQL changed row', { skip }, async (t) => {
  const database = await createThrowawayPostgresDatabase();
  t.after(() => database.drop());
  await execute(
    database.url,
    `CREATE SCHEMA erp;
     CREATE TABLE erp.orders (
       order_id bigint PRIMARY KEY,
       amount numeric(38,10),
       big bigint,
       label text,
       happened timestamptz
     );
     INSERT INTO erp.orders
       SELECT i, i * 1234567890.0123456789, 9223372036854775807 - i, CASE WHEN i % 3 = 0 THEN '' END,
              timestamptz '2024-03-31 01:30:15.123456+02' + i * interval '1 minute'
       FROM generate_series(1, 3000) AS i;`,
  );

  const folder = tempFolder(t);
  const deployment = writeDeployment(folder, {
    source: `type: postgres\nurl: ${JSON.stringify(database.url)}\nschema: erp`,
    tables: '  - name: orders\n    primary_key: order_id\n    partitions: 3',
  });
  const config = loadConfig(deployment.config, {});
  const outcome = await runFullLoad({ config });
  assert.equal(outcome.error, undefined, outcome.run.error?.message.en);

  const before = await reconcile({ config });
  const [orders] = before.result.tables;
  assert.ok(orders);
  assert.equal(before.result.matches, true);
  assert.equal(orders.sourceRows, 3000);
  assert.equal(orders.rangesChecked, 3);
  assert.deepEqual(
    orders.measures.map((measure) => [measure.column, measure.source]),
    [
      // 1234567890.0123456789 * (1 + ... + 3000) and 3000 * (2^63 - 1) - (1 + ... + 3000)
      ['amount', '5557407356890574.0735683500'],
      ['big', '27670116110564322919500'],
    ],
    'sums beyond 2^53 and 64 bits are exact',
  );

  await execute(database.url, `UPDATE erp.orders SET label = NULL, big = 1 WHERE order_id = 2997`);
  const after = await reconcile({ config });
  assert.equal(after.result.matches, false);
  assert.deepEqual(after.result.tables[0]?.keys, [{ kind: 'changed', key: { order_id: '2997' }, columns: ['big', 'label'] }]);
  assert.equal(path.basename(path.dirname(after.report.json)), outcome.run.runId);
});
