import { loadConfig } from '../config/load-config.js';
import { formatCount, formatDateTime, formatSeconds } from '../i18n/format.js';
import type { Language } from '../i18n/language.js';
import { LakeLayout } from '../lake/lake-layout.js';
import { rollbackTo } from '../lake/rollback.js';
import { lastKnownGood, listRuns, type RunSummary } from '../lake/run-history.js';

const LABELS = {
  de: {
    header: ['Lauf-ID', 'Modus', 'Beginn', 'Dauer', 'Status', 'Gelesen', 'Silver', 'Quarantäne', 'Snapshot'],
    modes: { full: 'Full Load', delta: 'Delta Load' } as Record<string, string>,
    status: { succeeded: 'erfolgreich', failed: 'fehlgeschlagen' },
    snapshot: { current: 'veröffentlicht', restorable: 'vorhanden', none: '–' },
    none: 'Im Lake gibt es noch keine Läufe.',
    lastKnownGood: (runId: string) => `Letzter wiederherstellbarer Stand: ${runId}`,
    rolledBack: (from: string | undefined, to: string) => `Snapshot ${to} ist wieder veröffentlicht${from ? ` (vorher ${from})` : ''}.`,
    unchanged: (to: string) => `Snapshot ${to} ist bereits veröffentlicht; nichts geändert.`,
  },
  en: {
    header: ['Run id', 'Mode', 'Started', 'Duration', 'Status', 'Read', 'Silver', 'Quarantine', 'Snapshot'],
    modes: { full: 'full load', delta: 'delta load' } as Record<string, string>,
    status: { succeeded: 'succeeded', failed: 'failed' },
    snapshot: { current: 'published', restorable: 'restorable', none: '–' },
    none: 'The lake has no runs yet.',
    lastKnownGood: (runId: string) => `Last known-good state: ${runId}`,
    rolledBack: (from: string | undefined, to: string) => `Snapshot ${to} is published again${from ? ` (was ${from})` : ''}.`,
    unchanged: (to: string) => `Snapshot ${to} is already published; nothing changed.`,
  },
} as const;

function snapshotLabel(run: RunSummary, language: Language): string {
  const labels = LABELS[language].snapshot;
  if (run.current) {
    return labels.current;
  }
  return run.restorable ? labels.restorable : labels.none;
}

function row(run: RunSummary, language: Language): string[] {
  const labels = LABELS[language];
  return [
    run.runId,
    labels.modes[run.mode] ?? run.mode,
    formatDateTime(language, new Date(run.startedAt)),
    formatSeconds(language, run.durationMs),
    labels.status[run.status],
    formatCount(language, run.rowsRead),
    formatCount(language, run.silverRows),
    formatCount(language, run.quarantinedRows),
    snapshotLabel(run, language),
  ];
}

/** Lays out rows as aligned columns; numbers are right-aligned. */
function renderTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((cells) => cells[index]?.length ?? 0)));
  const numeric = new Set([3, 5, 6, 7]);
  const line = (cells: readonly string[]) =>
    cells.map((cell, index) => (numeric.has(index) ? cell.padStart(widths[index] ?? 0) : cell.padEnd(widths[index] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `aurora runs`: lists the lake's runs, newest first, and which snapshot is published. */
export async function runsCommand(options: { config: string; json: boolean; language: Language }): Promise<number> {
  const config = loadConfig(options.config);
  const runs = await listRuns(new LakeLayout(config.lake));

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ runs, lastKnownGood: lastKnownGood(runs)?.runId ?? null }, null, 2)}\n`);
    return 0;
  }

  const labels = LABELS[options.language];
  if (runs.length === 0) {
    process.stdout.write(`${labels.none}\n`);
    return 0;
  }
  process.stdout.write(`${renderTable(labels.header, runs.map((run) => row(run, options.language)))}\n`);
  const good = lastKnownGood(runs);
  if (good) {
    process.stdout.write(`\n${labels.lastKnownGood(good.runId)}\n`);
  }
  return 0;
}

/** `aurora rollback --to <run>`: publishes an earlier snapshot again. */
export async function rollbackCommand(options: { config: string; to: string; json: boolean; language: Language }): Promise<number> {
  const config = loadConfig(options.config);
  const result = await rollbackTo(new LakeLayout(config.lake), options.to);

  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const labels = LABELS[options.language];
  process.stdout.write(`${result.unchanged ? labels.unchanged(result.to) : labels.rolledBack(result.from, result.to)}\n`);
  return 0;
}
