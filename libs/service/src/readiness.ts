/** A dependency check for /readyz: resolves when the dependency answers. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

export async function runReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<{ ready: boolean; results: Record<string, string> }> {
  const results: Record<string, string> = {};
  await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        results[name] = 'ok';
      } catch (e) {
        results[name] = e instanceof Error ? e.message : String(e);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: Object.values(results).every((r) => r === 'ok'), results };
}
