import path from 'node:path';

/**
 * Where everything lives in the lake folder. Bronze files and snapshots are written once and
 * never changed; `CURRENT` names the published snapshot and is the only file that is replaced.
 *
 *   bronze/<table>/<run>/part-00000.parquet   raw rows of one run, as read
 *   snapshots/<run>/silver/<table>/*.parquet  clean rows, one file per key range (part-files.ts)
 *   snapshots/<run>/quarantine/<table>/*.parquet failing rows with their reasons, split like silver
 *   snapshots/<run>/manifest.json             tables, files and counts of the snapshot
 *   snapshots/.<run>.partial/                 a snapshot being built; never read
 *   CURRENT                                   JSON pointer to the published snapshot
 *   runs/<run>.json                           the run record, also for failed runs
 *   reports/<run>/report.{de,en}.html, report.json
 *   tmp/<run>/                                staging files, removed when the run ends
 */
export class LakeLayout {
  constructor(readonly root: string) {}

  bronzeFolder(table: string, runId: string): string {
    return path.join(this.root, 'bronze', table, runId);
  }

  bronzeFile(table: string, runId: string, partition: number): string {
    return path.join(this.bronzeFolder(table, runId), `part-${String(partition).padStart(5, '0')}.parquet`);
  }

  get snapshotsFolder(): string {
    return path.join(this.root, 'snapshots');
  }

  snapshotFolder(runId: string): string {
    return path.join(this.snapshotsFolder, runId);
  }

  partialSnapshotFolder(runId: string): string {
    return path.join(this.snapshotsFolder, `.${runId}.partial`);
  }

  get currentPointer(): string {
    return path.join(this.root, 'CURRENT');
  }

  get runsFolder(): string {
    return path.join(this.root, 'runs');
  }

  runRecord(runId: string): string {
    return path.join(this.runsFolder, `${runId}.json`);
  }

  reportFolder(runId: string): string {
    return path.join(this.root, 'reports', runId);
  }

  get tmpFolder(): string {
    return path.join(this.root, 'tmp');
  }

  runTmpFolder(runId: string): string {
    return path.join(this.tmpFolder, runId);
  }
}

/** The relative file names inside a snapshot folder. */
export function snapshotTableFile(layer: 'tombstones', table: string): string {
  return path.join(layer, `${table}.parquet`);
}
