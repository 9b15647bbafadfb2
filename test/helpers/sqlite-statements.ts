import Database from 'better-sqlite3';

/**
 * Returns a function that runs SQL statements on the SQLite file, each in its own connection,
 * so that no connection stays open while Aurora reads the file.
 */
export function sqliteStatements(file: string): (statements: string) => void {
  return (statements) => {
    const db = new Database(file);
    try {
      db.exec(statements);
    } finally {
      db.close();
    }
  };
}
