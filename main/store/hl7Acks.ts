// HL7v2 intake bookkeeping beside the messages table (table hl7_acks, migration 3): which MSH-10 each source already
// sent, the row it became, and the ACKs given for it. It makes dedupe on (source, MSH-10)
// catch a re-send whose bytes differ (DESIGN §4.3) and lets a re-send get the same ACK.
import type Database from 'better-sqlite3';

export interface StoredHl7Ack {
  messageId: number;
  sourceId: string;
  controlId: string;
  /** The accept (enhanced) or only (original) ACK sent after commit. */
  ack: string;
  /** Enhanced mode: the application ACK sent after conversion, once known. */
  appAck: string | null;
}


type Row = { source_id: string; control_id: string; message_id: number; ack: string; app_ack: string | null };

function toAck(r: Row): StoredHl7Ack {
  return { messageId: Number(r.message_id), sourceId: r.source_id, controlId: r.control_id, ack: r.ack, appAck: r.app_ack };
}

export class Hl7AckStore {
  private readonly byKey: Database.Statement;
  private readonly byMessage: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly setApp: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.byKey = db.prepare('SELECT * FROM hl7_acks WHERE source_id = ? AND control_id = ?');
    this.byMessage = db.prepare('SELECT * FROM hl7_acks WHERE message_id = ? LIMIT 1');
    this.insert = db.prepare('INSERT INTO hl7_acks (source_id, control_id, message_id, ack, acked_at) VALUES (?, ?, ?, ?, ?)');
    this.setApp = db.prepare('UPDATE hl7_acks SET app_ack = ? WHERE message_id = ?');
  }

  find(sourceId: string, controlId: string): StoredHl7Ack | undefined {
    const r = this.byKey.get(sourceId, controlId) as Row | undefined;
    return r ? toAck(r) : undefined;
  }

  findByMessage(messageId: number): StoredHl7Ack | undefined {
    const r = this.byMessage.get(messageId) as Row | undefined;
    return r ? toAck(r) : undefined;
  }

  /** Records the ACK of a message; call inside the transaction that inserts the message. */
  record(sourceId: string, controlId: string, messageId: number, ack: string, now: number): void {
    this.insert.run(sourceId, controlId, messageId, ack, now);
  }

  /** A transaction of its own: it takes its turn on the writer lock like every other write (writerLock.ts). */
  setApplicationAck(messageId: number, appAck: string): void {
    this.db.transaction(() => this.setApp.run(appAck, messageId))();
  }

  /** Runs `fn` in one transaction (nested store calls become savepoints of it). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
