/**
 * Runs tasks with at most `concurrency` in flight. The first failure stops new tasks from
 * starting, waits for the running ones to settle, and is rethrown, so no work is left running
 * behind a failed run.
 */
export async function runWithConcurrency<T>(
  tasks: readonly T[],
  concurrency: number,
  work: (task: T, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;

  const worker = async (workerIndex: number): Promise<void> => {
    while (failure === undefined && next < tasks.length) {
      const task = tasks[next] as T;
      next += 1;
      try {
        await work(task, workerIndex);
      } catch (error) {
        failure ??= { error };
      }
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, (_, index) => worker(index));
  await Promise.all(workers);

  if (failure !== undefined) {
    throw failure.error;
  }
}
