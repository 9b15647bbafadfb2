import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { renderQualityReportHtml } from '../../src/reports/quality-report-html.js';
import { buildQualityReportJson } from '../../src/reports/quality-report-json.js';
import { writeQualityReport } from '../../src/reports/write-report.js';
import { failedRun, succeededRun } from '../fixtures/run-results.js';

describe('writeQualityReport', () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'aurora-write-report-'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes exactly the three report files', async () => {
    const folder = join(root, 'written');
    const paths = await writeQualityReport(succeededRun(), folder);

    assert.deepEqual((await readdir(folder)).sort(), ['report.de.html', 'report.en.html', 'report.json']);
    assert.deepEqual(paths, {
      htmlDe: join(folder, 'report.de.html'),
      htmlEn: join(folder, 'report.en.html'),
      json: join(folder, 'report.json'),
    });
  });

  it('writes the rendered content', async () => {
    const folder = join(root, 'content');
    const paths = await writeQualityReport(succeededRun(), folder);

    assert.equal(await readFile(paths.htmlDe, 'utf8'), renderQualityReportHtml(succeededRun(), 'de'));
    assert.equal(await readFile(paths.htmlEn, 'utf8'), renderQualityReportHtml(succeededRun(), 'en'));
    assert.deepEqual(JSON.parse(await readFile(paths.json, 'utf8')), buildQualityReportJson(succeededRun()));
  });

  it('creates missing parent folders', async () => {
    const folder = join(root, 'runs', '2025', '12', '31');
    await writeQualityReport(succeededRun(), folder);
    assert.equal((await readdir(folder)).length, 3);
  });

  it('replaces an earlier report', async () => {
    const folder = join(root, 'replaced');
    await writeQualityReport(succeededRun(), folder);
    const paths = await writeQualityReport(failedRun(), folder);

    assert.deepEqual((await readdir(folder)).sort(), ['report.de.html', 'report.en.html', 'report.json']);
    const json = JSON.parse(await readFile(paths.json, 'utf8')) as { run: { status: string } };
    assert.equal(json.run.status, 'failed');
  });

  it('keeps other files in the folder', async () => {
    const folder = join(root, 'shared');
    await mkdir(folder);
    await writeFile(join(folder, 'run.log'), 'log');
    await writeQualityReport(succeededRun(), folder);

    assert.deepEqual((await readdir(folder)).sort(), ['report.de.html', 'report.en.html', 'report.json', 'run.log']);
  });

  it('rethrows when the folder is a file', async () => {
    const file = join(root, 'not-a-folder');
    await writeFile(file, 'x');

    await assert.rejects(writeQualityReport(succeededRun(), file), (error: NodeJS.ErrnoException) => {
      assert.ok(['EEXIST', 'ENOTDIR'].includes(error.code ?? ''), `unexpected code ${error.code}`);
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), 'x');
    assert.deepEqual(
      (await readdir(root)).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  it('removes temp files when a rename fails', async () => {
    const folder = join(root, 'blocked');
    // A folder under a report's name makes the rename of that file fail after all temp files exist.
    await mkdir(join(folder, 'report.en.html'), { recursive: true });
    await writeFile(join(folder, 'report.en.html', 'keep'), 'keep');

    await assert.rejects(writeQualityReport(succeededRun(), folder), (error: NodeJS.ErrnoException) => {
      assert.ok(['EISDIR', 'ENOTEMPTY', 'EEXIST', 'EPERM'].includes(error.code ?? ''), `unexpected code ${error.code}`);
      return true;
    });

    const names = await readdir(folder);
    assert.deepEqual(
      names.filter((name) => name.endsWith('.tmp')),
      [],
    );
    assert.ok(!names.includes('report.json'), 'report.json was published after the failure');
  });
});
