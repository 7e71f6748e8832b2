/**
 * Test-only fault injection. Adapters call these hooks inside their write transaction, so a hook that throws
 * behaves like a crash at that point: the engine rolls the transaction back and the batch rejects. This is
 * how the conformance suite checks that compaction is atomic without killing processes.
 */
export type FaultPoint =
  /** Inside a compaction, after the new snapshot is written and before the tail is deleted. */
  | 'compact:snapshot-written'
  /** After every op of a batch is written, just before commit. */
  | 'batch:before-commit';

export interface StorageFaultHooks {
  inTransaction?: ((point: FaultPoint) => void) | undefined;
}
