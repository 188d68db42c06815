/**
 * `npm run bench`: how long the offline plan takes per stack (median of several runs).
 * Prints figures only; nothing here passes or fails on time.
 */
import { performance } from "perf_hooks";
import { listStacks, planStack } from "../plan/engine";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timeRuns(run: () => Promise<{ resources: unknown[] }>): Promise<{ medianMs: number; minMs: number; resources: number }> {
    const times: number[] = [];
    let resources = 0;
    await run(); // warm-up: module loading and JIT
    for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        const plan = await run();
        times.push(performance.now() - start);
        resources = plan.resources.length;
    }
    return { medianMs: median(times), minMs: Math.min(...times), resources };
}

async function main(): Promise<void> {
    console.log(`Offline plan, median of ${RUNS} runs per stack (node ${process.version})\n`);
    console.log(`${"stack".padEnd(32)} ${"resources".padStart(9)} ${"median ms".padStart(10)} ${"min ms".padStart(8)}`);
    for (const { stack, file } of listStacks()) {
        const result = await timeRuns(() => planStack({ stack, configFile: file }));
        console.log(`${stack.padEnd(32)} ${String(result.resources).padStart(9)} ${result.medianMs.toFixed(1).padStart(10)} ${result.minMs.toFixed(1).padStart(8)}`);
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
