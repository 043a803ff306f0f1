// What every source (watched folder, MLLP listener) offers the agent (STYLE habit 1).

export const SourceState = {
  starting: 'starting',
  watching: 'watching',
  listening: 'listening',
  error: 'error',
  stopped: 'stopped',
} as const;
export type SourceState = (typeof SourceState)[keyof typeof SourceState];

export interface SourceStatus {
  id: string;
  type: string;
  state: SourceState;
  /** Plain-words reason when state is error. */
  detail?: string;
  /** Network sources: where senders connect (host:port). */
  address?: string;
  /** Something to put right though the source works, e.g. a listener open to every sender. */
  warning?: string;
  /** Long work in progress, e.g. a large file being read. */
  progress?: { file: string; bytesRead: number; bytesTotal: number; records: number };
}

export interface Source {
  readonly id: string;
  /** Resolves once the source takes input (with what it bound, if anything: the MLLP port). */
  start(): Promise<unknown>;
  stop(): Promise<void>;
  status(): SourceStatus;
}
