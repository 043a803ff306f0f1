// Incidents (table alerts): at most one open per kind and target, closed when it clears.
import type { Db, Row } from './database.js';
import { preparedStatements } from './prepared.js';
import type { AlertRow } from './types.js';

const statements = preparedStatements((db: Db) => ({
  open: db.prepare('INSERT INTO alerts (kind, target, message, message_vi, opened_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
  close: db.prepare('UPDATE alerts SET closed_at = ? WHERE kind = ? AND target = ? AND closed_at IS NULL'),
  openAlerts: db.prepare('SELECT * FROM alerts WHERE closed_at IS NULL ORDER BY opened_at'),
  recent: db.prepare('SELECT * FROM alerts ORDER BY id DESC LIMIT ?'),
}));

export class AlertStore {
  constructor(private readonly db: Db) {}

  /** Opens an incident unless the same one is already open; true when newly opened. */
  openAlert(kind: string, target: string, message: string, messageVi: string, now: number): boolean {
    return statements(this.db).open.run(kind, target, message, messageVi, now).changes === 1;
  }

  /** Closes the open incident of that kind and target; true when one was open. */
  closeAlert(kind: string, target: string, now: number): boolean {
    return statements(this.db).close.run(now, kind, target).changes === 1;
  }

  openAlerts(): AlertRow[] {
    return (statements(this.db).openAlerts.all() as Row[]).map(toAlertRow);
  }

  recentAlerts(limit: number): AlertRow[] {
    return (statements(this.db).recent.all(limit) as Row[]).map(toAlertRow);
  }
}

function toAlertRow(r: Row): AlertRow {
  return {
    id: Number(r.id),
    kind: String(r.kind),
    target: String(r.target),
    message: String(r.message),
    messageVi: String(r.message_vi),
    openedAt: Number(r.opened_at),
    closedAt: r.closed_at == null ? null : Number(r.closed_at),
  };
}
