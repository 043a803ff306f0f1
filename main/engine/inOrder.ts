// Results in input order with many records in flight: `vhr-agent convert` must print record
// n before record n+1 (DESIGN §10) while the threads finish them in any order. At most
// `window` records are held at once, so memory stays bounded on a file of any length. When
// the input fails part-way, the items read before the failure are still given out, then it throws.
export async function* mapInOrder<T, R>(items: AsyncIterable<T> | Iterable<T>, work: (item: T) => Promise<R>, window: number): AsyncGenerator<{ item: T; result: R }> {
  const inFlight: { item: T; result: Promise<R> }[] = [];
  const size = Math.max(1, Math.floor(window));
  let failure: { error: unknown } | undefined;
  try {
    for await (const item of items) {
      const result = work(item);
      // Never an unhandled rejection while it waits its turn; it is awaited below.
      result.catch(() => {});
      inFlight.push({ item, result });
      if (inFlight.length >= size) {
        const head = inFlight.shift()!;
        yield { item: head.item, result: await head.result };
      }
    }
  } catch (error) {
    failure = { error };
  }
  while (inFlight.length) {
    const head = inFlight.shift()!;
    yield { item: head.item, result: await head.result };
  }
  if (failure) throw failure.error;
}
